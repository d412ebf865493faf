using System.Text.Json.Nodes;
using Parp.Notebooks;

namespace Parp.Tests.Notebooks;

// The host changes the process's working directory while a notebook runs: keep these tests in one collection.
[Collection(nameof(NotebookHostTests))]
public class NotebookHostTests
{
    static async Task<(int Exit, string Output, string Errors)> Host(params string[] args)
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        int exit = await HostProgram.RunAsync(args, output, errors);
        return (exit, output.ToString(), errors.ToString());
    }

    static JsonObject Executed(TestNotebooks notebooks, string name) =>
        (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(notebooks.Artifacts, "notebooks", name)))!;

    [Fact]
    public async Task Runs_every_cell_in_order_and_records_outputs()
    {
        using var notebooks = new TestNotebooks();
        var path = notebooks.Write("ok.ipynb", "md:# Title", "params:var scale = \"tiny\";", "var x = 20 + 1;", "Console.WriteLine(x * 2);", "x + 1");
        var (exit, _, errors) = await Host("--scale", "smoke", "--artifacts", notebooks.Artifacts, path);

        Assert.Equal(0, exit);
        Assert.Equal("", errors);
        var cells = (JsonArray)Executed(notebooks, "ok.ipynb")["cells"]!;
        Assert.Equal(6, cells.Count); // the injected parameters cell is added after the parameters cell
        Assert.Equal("42\n", cells[4]!["outputs"]![0]!["text"]!.GetValue<string>());
        Assert.Equal("execute_result", cells[5]!["outputs"]![0]!["output_type"]!.GetValue<string>());
        Assert.Contains("22", cells[5]!["outputs"]![0]!["data"]!.ToJsonString());
        Assert.True(File.Exists(Path.Combine(notebooks.Artifacts, "report.html")));
    }

    [Fact]
    public async Task An_updated_display_keeps_its_last_value()
    {
        using var notebooks = new TestNotebooks();
        var path = notebooks.Write("update.ipynb", "params:var scale = \"tiny\";", "var d = display(\"first\");\nd.Update(\"second\");\nd.Update(\"last\");");
        var (exit, _, errors) = await Host("--artifacts", notebooks.Artifacts, "--no-report", path);

        Assert.True(exit == 0, errors);
        var outputs = (JsonArray)((JsonArray)Executed(notebooks, "update.ipynb")["cells"]!)[2]!["outputs"]!;
        var display = Assert.Single(outputs);
        Assert.Equal("last", display!["data"]!["text/plain"]!.GetValue<string>());
    }

    [Fact]
    public async Task Injects_the_scale_and_other_parameters_with_their_declared_types()
    {
        using var notebooks = new TestNotebooks();
        var path = notebooks.Write("params.ipynb", "params:var scale = \"tiny\";\nint seed = 1;\ndouble rate = 0.5;", "Console.WriteLine($\"{scale} {seed + 1} {rate * 2}\");");
        var (exit, _, _) = await Host("--scale", "paper", "-p", "seed=41", "-p", "rate=2.5", "--artifacts", notebooks.Artifacts, path);

        Assert.Equal(0, exit);
        var cells = (JsonArray)Executed(notebooks, "params.ipynb")["cells"]!;
        Assert.Contains("injected-parameters", cells[1]!["metadata"]!["tags"]!.ToJsonString());
        Assert.Equal("paper 42 5\n", cells[2]!["outputs"]![0]!["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_failing_cell_stops_the_run_and_names_notebook_cell_and_error()
    {
        using var notebooks = new TestNotebooks();
        var path = notebooks.Write("failing.ipynb", "params:var scale = \"tiny\";", "md:text",
            "throw new InvalidOperationException(\"deliberate failure\");", "Console.WriteLine(\"never\");");
        var (exit, _, errors) = await Host("--artifacts", notebooks.Artifacts, path);

        Assert.Equal(1, exit);
        // Cell numbers count every cell of the notebook as the user sees it (the injected cell is not counted there).
        Assert.Matches(@"error: .*failing\.ipynb, cell 3 failed: .*deliberate failure", errors);
        var cells = (JsonArray)Executed(notebooks, "failing.ipynb")["cells"]!;
        Assert.Equal("error", cells[3]!["outputs"]![0]!["output_type"]!.GetValue<string>());
        Assert.Empty((JsonArray)cells[4]!["outputs"]!);
    }

    [Fact]
    public async Task A_compile_error_fails_with_the_compiler_message()
    {
        using var notebooks = new TestNotebooks();
        var path = notebooks.Write("compile.ipynb", "params:var scale = \"tiny\";", "int y = undefinedName;");
        var (exit, _, errors) = await Host("--artifacts", notebooks.Artifacts, "--no-report", path);
        Assert.Equal(1, exit);
        Assert.Contains("compile.ipynb, cell 2 failed", errors);
        Assert.Contains("CS0103", errors);
    }

    [Fact]
    public async Task A_missing_notebook_is_a_one_line_error()
    {
        var (exit, output, errors) = await Host("/no/such/notebook.ipynb");
        Assert.Equal(2, exit);
        Assert.Equal("error: /no/such/notebook.ipynb: no such notebook or folder", errors.Trim());
        Assert.Equal("", output);
    }

    [Fact]
    public async Task Invalid_json_is_a_one_line_error_naming_the_file()
    {
        using var notebooks = new TestNotebooks();
        var path = Path.Combine(notebooks.Folder, "broken.ipynb");
        File.WriteAllText(path, "{ \"cells\": [ { \"cell_type\": ");
        var (exit, _, errors) = await Host(path);
        Assert.Equal(2, exit);
        Assert.Single(errors.Trim().Split('\n'));
        Assert.StartsWith($"error: {path}: not a valid notebook: invalid JSON", errors);
    }

    [Fact]
    public async Task A_notebook_without_a_parameters_cell_is_refused()
    {
        using var notebooks = new TestNotebooks();
        var path = notebooks.Write("noparams.ipynb", "Console.WriteLine(1);");
        var (exit, _, errors) = await Host(path);
        Assert.Equal(2, exit);
        Assert.Contains("noparams.ipynb: no parameters cell", errors);
    }

    [Theory]
    [InlineData("--scale", "huge", "scale 'huge' is not one of smoke, tiny, paper")]
    [InlineData("-p", "novalue", "parameter 'novalue' is not NAME=VALUE")]
    [InlineData("--bogus", "x", "unknown option '--bogus'")]
    public async Task Bad_arguments_are_one_line_errors(string option, string value, string message)
    {
        var (exit, _, errors) = await Host(option, value);
        Assert.Equal(2, exit);
        Assert.Contains(message, errors);
    }

    [Fact]
    public async Task A_parameter_of_the_wrong_type_is_refused_before_running()
    {
        using var notebooks = new TestNotebooks();
        var path = notebooks.Write("typed.ipynb", "params:var scale = \"tiny\";\nint steps = 10;");
        var (exit, _, errors) = await Host("-p", "steps=many", path);
        Assert.Equal(2, exit);
        Assert.Contains("parameter steps=many: not a whole number (typed.ipynb declares steps as int)", errors);
    }
}
