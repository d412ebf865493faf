using Parp.Notebooks;
using Parp.Tests.Notebooks;

namespace Parp.Tests.Reliability;

/// <summary>
/// A bad value stops the host before any notebook runs: one line naming the parameter, the value and what is allowed,
/// exit status 2, and nothing executed (the first cell of the notebook would write a file).
/// </summary>
[Trait("Category", "Reliability")]
[Collection(nameof(NotebookHostTests))]
public class BadParameterTests
{
    // A notebook with the suite's common parameters whose first cell leaves a mark when it runs.
    static string Notebook(TestNotebooks notebooks, string mark) => notebooks.Write("experiment.ipynb",
        """
        params:var scale = "tiny";
        var sparsities = "";
        var languages = "";
        var intervals = "";
        var seed = 2337;
        var device = "auto";
        var dryRun = false;
        """,
        $"System.IO.File.WriteAllText(@\"{mark}\", \"ran\");");

    [Theory]
    [InlineData("--scale", "huge", "scale 'huge' is not one of smoke, tiny, paper")]
    [InlineData("-p", "sparsities=0.5,1.2", "parameter sparsities=0.5,1.2: '1.2' is not a sparsity in (0, 1); allowed: a comma-separated list such as 0.5,0.7")]
    [InlineData("-p", "sparsities=-0.1", "parameter sparsities=-0.1: '-0.1' is not a sparsity in (0, 1)")]
    [InlineData("-p", "sparsities=1", "parameter sparsities=1: '1' is not a sparsity in (0, 1)")]
    [InlineData("-p", "sparsities=half", "parameter sparsities=half: 'half' is not a sparsity in (0, 1)")]
    [InlineData("-p", "languages=es,klingon", "parameter languages=es,klingon: 'klingon' is not a language here; allowed: a comma-separated list of en, es, fr, it, ky, nl, ru, sv, tr, tt, zh")]
    [InlineData("-p", "seed=abc", "parameter seed=abc: not a whole number (experiment.ipynb declares seed as int)")]
    [InlineData("-p", "seed=1.5", "parameter seed=1.5: not a whole number")]
    [InlineData("-p", "device=gpu", "parameter device=gpu: allowed: auto, cpu, cuda or cuda:N")]
    [InlineData("-p", "intervals=10,0", "parameter intervals=10,0: '0' is not a whole number of updates ≥ 1")]
    [InlineData("-p", "dryRun=maybe", "parameter dryRun=maybe: not true or false")]
    [InlineData("-p", "sparsity=0.5", "parameter sparsity=0.5: no notebook here declares `sparsity`; allowed: device, dryRun, intervals, languages, scale, seed, sparsities")]
    public async Task A_bad_value_is_one_line_with_exit_status_2_before_anything_runs(string option, string value, string message)
    {
        using var notebooks = new TestNotebooks();
        var mark = Path.Combine(notebooks.Folder, "ran.txt");
        var path = Notebook(notebooks, mark);
        var output = new StringWriter();
        var errors = new StringWriter();

        int exit = await HostProgram.RunAsync([option, value, "--artifacts", notebooks.Artifacts, path], output, errors);

        Assert.Equal(2, exit);
        var line = Assert.Single(errors.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: " + message, line);
        Assert.False(File.Exists(mark), "a notebook cell ran before the bad parameter was reported");
        Assert.Equal("", output.ToString());
    }

    [Theory]
    [InlineData("sparsities=0.5,0.9")]
    [InlineData("languages=es,fr")]
    [InlineData("seed=-3")]
    [InlineData("device=cuda:1")]
    [InlineData("intervals=2,10,50")]
    [InlineData("sparsities=")]   // the notebook's own default: "the scale's own"
    public async Task A_good_value_is_injected(string parameter)
    {
        using var notebooks = new TestNotebooks();
        var path = Notebook(notebooks, Path.Combine(notebooks.Folder, "ran.txt"));
        var errors = new StringWriter();
        int exit = await HostProgram.RunAsync(["-p", parameter, "--artifacts", notebooks.Artifacts, "--no-report", path], new StringWriter(), errors);
        Assert.True(exit == 0, errors.ToString());
    }

    [Fact]
    public async Task A_parameter_only_some_notebooks_declare_applies_to_those_with_a_note()
    {
        using var notebooks = new TestNotebooks();
        var first = Notebook(notebooks, Path.Combine(notebooks.Folder, "ran.txt"));
        var second = notebooks.Write("other.ipynb", "params:var scale = \"tiny\";", "var x = 1;");
        var errors = new StringWriter();
        int exit = await HostProgram.RunAsync(["-p", "seed=1", "--artifacts", notebooks.Artifacts, "--no-report", first, second], new StringWriter(), errors);
        Assert.Equal(0, exit);
        Assert.Equal("note: `seed` applies to experiment.ipynb; the other notebooks do not declare it", errors.ToString().Trim());
    }
}
