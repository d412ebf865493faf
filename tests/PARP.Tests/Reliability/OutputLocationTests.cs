using Parp.IO;
using Parp.Notebooks;
using Parp.Tests.Notebooks;

namespace Parp.Tests.Reliability;

/// <summary>
/// Outputs go where the user says: <c>--artifacts DIR</c> moves the report, the executed notebooks, each experiment's
/// results and figures and the cache; <c>--cache DIR</c> moves the cache alone. The library reads both through
/// <see cref="Artifacts"/>, which the host points at them while the notebooks run and restores afterwards.
/// </summary>
[Trait("Category", "Reliability")]
[Collection(nameof(NotebookHostTests))]
public class OutputLocationTests
{
    // A notebook that prints where the library would write (through the environment the host gives it).
    static string Notebook(TestNotebooks notebooks) => notebooks.Write("where.ipynb", "params:var scale = \"tiny\";",
        "Console.WriteLine(Environment.GetEnvironmentVariable(\"PARP_ARTIFACTS\") + \"|\" + Environment.GetEnvironmentVariable(\"PARP_CACHE\"));");

    static async Task<string> Printed(params string[] args)
    {
        using var notebooks = new TestNotebooks();
        var path = Notebook(notebooks);
        var errors = new StringWriter();
        Assert.True(await HostProgram.RunAsync([.. args, path], new StringWriter(), errors) == 0, errors.ToString());
        var artifacts = args.Contains("--artifacts") ? args[Array.IndexOf(args, "--artifacts") + 1] : Path.Combine(Repository.Root(), "artifacts");
        var executed = File.ReadAllText(Path.Combine(artifacts, "notebooks", "where.ipynb"));
        return System.Text.Json.Nodes.JsonNode.Parse(executed)!["cells"]![2]!["outputs"]![0]!["text"]!.GetValue<string>().Trim();
    }

    [Fact]
    public async Task The_artifacts_option_moves_every_output_and_the_cache_with_it()
    {
        using var dir = new Support.TempDir();
        var artifacts = Path.Combine(dir.Path, "out");
        Assert.Equal($"{artifacts}|{Path.Combine(artifacts, "cache")}", await Printed("--artifacts", artifacts, "--no-report"));
        Assert.True(File.Exists(Path.Combine(artifacts, "notebooks", "where.ipynb")));
        // Restored for whatever runs next in this process.
        Assert.Null(Environment.GetEnvironmentVariable(Artifacts.Variable));
    }

    [Fact]
    public async Task The_cache_option_moves_the_cache_alone()
    {
        using var dir = new Support.TempDir();
        var artifacts = Path.Combine(dir.Path, "out");
        var cache = Path.Combine(dir.Path, "shared-cache");
        Assert.Equal($"{artifacts}|{cache}", await Printed("--artifacts", artifacts, "--cache", cache));
        Assert.True(File.Exists(Path.Combine(artifacts, "report.html")));
    }

    [Fact]
    public void The_library_reads_the_folders_from_the_environment_and_defaults_to_the_repository()
    {
        // Only the pure path logic here; the variables are process-wide, so this test sets none of them.
        Assert.Null(Environment.GetEnvironmentVariable(Artifacts.Variable));
        Assert.Equal(Path.Combine(Repository.Root(), "artifacts"), Artifacts.Root);
        Assert.Equal(Path.Combine(Repository.Root(), "artifacts", "cache"), Artifacts.Cache);
        Assert.Equal(Path.Combine(Repository.Root(), "artifacts", "experiments", "e5-e6-smoke"), Artifacts.Experiment("e5-e6-smoke"));
        Assert.Equal(Path.Combine(Repository.Root(), "artifacts", "cache", "experiments"), Parp.Experiments.ExperimentRunner.DefaultCache);
    }
}
