using System.Diagnostics;
using Parp.IO;
using Parp.Notebooks;
using Parp.Tests.Notebooks;
using Parp.Tests.Support;

namespace Parp.Tests.Reliability;

/// <summary>
/// The report works in a real browser: <c>tests/browser/check-report.mjs</c> opens it in headless Chromium and checks
/// that no JavaScript error occurs, that every figure container is drawn by plotly.js and that every audio player loads
/// its clip. Here on a small report with one chart and one clip (and a broken one, which it must reject); CI runs the
/// same check on the smoke suite's whole report.
/// </summary>
[Trait("Category", "Reliability")]
[Collection(nameof(NotebookHostTests))]
public class ReportInBrowserTests
{
    static readonly string Checker = Path.Combine(Repository.Root(), "tests", "browser", "check-report.mjs");
    static readonly string Modules = Path.Combine(Repository.Root(), "tests", "browser", "node_modules", "playwright-core");

    /// <summary>Skipped, saying what to install, without Chromium, Node or the checker's npm packages (.ci/run installs
    /// all three, so CI runs it).</summary>
    sealed class RequiresBrowserCheckFactAttribute : FactAttribute
    {
        public RequiresBrowserCheckFactAttribute() => Skip = RequiredPrograms.Missing(["chromium", "chromium", "node", "nodejs"])
            ?? (Directory.Exists(Modules) ? null : $"{Modules} is missing: npm ci --prefix tests/browser; CI does it.");
    }

    static async Task<string> Report(TestNotebooks notebooks, params string[] cells)
    {
        var lib = Path.Combine(Repository.Root(), "lib", "bin");
        var path = notebooks.Write("report.ipynb",
            ["params:var scale = \"smoke\";", $"#r \"{lib}/PARP.dll\"\n#r \"{lib}/Plotly.NET.dll\"\nusing Parp.Plots;", .. cells]);
        var errors = new StringWriter();
        Assert.True(await HostProgram.RunAsync(["--artifacts", notebooks.Artifacts, path], new StringWriter(), errors) == 0, errors.ToString());
        return Path.Combine(notebooks.Artifacts, "report.html");
    }

    static (int Exit, string Output) Check(string report)
    {
        using var node = ChildProcess.Start("node", Checker, report, "--min-figures", "1", "--min-audio", "1");
        var output = node.StandardOutput.ReadToEndAsync();
        var errors = node.StandardError.ReadToEndAsync();
        Assert.True(node.WaitForExit(TimeSpan.FromMinutes(2)), "the browser check ran over 2 minutes");
        return (node.ExitCode, output.Result + errors.Result);
    }

    const string Chart = "Charts.Lines(\"squares\", \"x\", \"y\", new[] { new Series(\"x²\", new double[] { 1, 2, 3 }, new double[] { 1, 4, 9 }) })";
    const string Clip = "new AudioClip(Enumerable.Range(0, 8000).Select(i => (float)(0.3 * Math.Sin(i * 0.1))).ToArray(), 16000, \"a tone\")";

    [RequiresBrowserCheckFact]
    public async Task A_chart_and_an_audio_clip_are_drawn_and_loaded_without_a_javascript_error()
    {
        using var notebooks = new TestNotebooks();
        var (exit, output) = Check(await Report(notebooks, Chart, Clip));
        Assert.True(exit == 0, output);
        Assert.Contains("report check: 1 figure(s) drawn of 1, 1 audio player(s) loaded of 1, 0 problem(s)", output);
    }

    [RequiresBrowserCheckFact]
    public async Task A_script_error_and_an_undrawn_figure_fail_the_check()
    {
        var broken = "display(HTML(\"<div class='parp-figure' id='parp-figure-broken'></div><script>throw new Error('deliberate')</script>\"));";
        using var notebooks = new TestNotebooks();
        var (exit, output) = Check(await Report(notebooks, Chart, Clip, broken));
        Assert.Equal(1, exit);
        Assert.Contains("JavaScript error: deliberate", output);
        Assert.Contains("figure parp-figure-broken was not drawn", output);
    }
}
