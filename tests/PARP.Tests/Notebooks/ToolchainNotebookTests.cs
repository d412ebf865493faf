using System.Text.RegularExpressions;
using Parp.Notebooks;

namespace Parp.Tests.Notebooks;

/// <summary>The suite's first notebook end to end at smoke scale: library, TorchSharp, DataFrame and chart.</summary>
[Collection(nameof(NotebookHostTests))]
public class ToolchainNotebookTests
{
    [Fact]
    public async Task Toolchain_notebook_runs_at_smoke_scale_and_the_report_embeds_plotly_once()
    {
        var notebook = Path.Combine(HostProgram.RepositoryRoot(), "notebooks", "00-toolchain.ipynb");
        var artifacts = Directory.CreateTempSubdirectory("parp-toolchain-").FullName;
        var output = new StringWriter();
        var errors = new StringWriter();

        int exit = await HostProgram.RunAsync(new[] { "--scale", "smoke", "--artifacts", artifacts, notebook }, output, errors);

        Assert.True(exit == 0, errors.ToString() + output);
        var executed = File.ReadAllText(Path.Combine(artifacts, "notebooks", "00-toolchain.ipynb"));
        Assert.Contains("TorchSharp 0.107.0, LibTorch 2.10", executed);
        Assert.Contains("parp-dataframe", executed);
        Assert.Contains("Plotly.newPlot", executed);

        var report = File.ReadAllText(Path.Combine(artifacts, "report.html"));
        // plotly.js is embedded exactly once, and every chart is drawn by it.
        Assert.Single(Regex.Matches(report, @"\* plotly\.js v\d"));
        Assert.Contains("parp-figure-", report);
        Directory.Delete(artifacts, recursive: true);
    }
}
