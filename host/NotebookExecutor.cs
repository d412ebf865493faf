using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;
using Microsoft.DotNet.Interactive.PackageManagement;

namespace Parp.Notebooks;

/// <summary>The outcome of one notebook: how far it got and how long it took.</summary>
public sealed record NotebookRun(NotebookDocument Notebook, TimeSpan Elapsed, CellFailure? Failure)
{
    public bool Succeeded => Failure is null;
}

/// <summary>The first failing cell: its 1-based position among the notebook's cells on disk, and the error.</summary>
public sealed record CellFailure(int CellNumber, string Error);

/// <summary>
/// Runs every code cell of a notebook in order in a fresh in-process C# kernel, records the outputs in
/// nbformat form, and stops at the first failing cell. The kernel's working directory is the notebook's
/// folder, as in Jupyter and VS Code, so notebooks find the library by a relative #r.
/// </summary>
public sealed class NotebookExecutor
{
    readonly TextWriter _log;
    bool _echoed;
    // When a display update last reached the console: a long cell's progress line is echoed at most this often.
    readonly Stopwatch _sinceProgressEcho = Stopwatch.StartNew();
    static readonly TimeSpan ProgressEchoInterval = TimeSpan.FromSeconds(30);

    public NotebookExecutor(TextWriter log) => _log = log;

    public async Task<NotebookRun> RunAsync(NotebookDocument notebook)
    {
        var total = Stopwatch.StartNew();
        var previousDirectory = Environment.CurrentDirectory;
        Environment.CurrentDirectory = Path.GetDirectoryName(notebook.Path)!;
        var csharp = new CSharpKernel()
            .UseNugetDirective((k, packages) =>
            {
                k.AddAssemblyReferences(packages.SelectMany(p => p.AssemblyPaths));
                return Task.CompletedTask;
            }, forceRestore: false)
            .UseKernelHelpers()
            .UseValueSharing();
        using var kernel = new CompositeKernel { csharp };
        kernel.DefaultKernelName = "csharp";

        JsonArray? outputs = null;
        int executionCount = 0;
        using var subscription = kernel.KernelEvents.Subscribe(e => { if (outputs != null) Record(e, outputs, executionCount); });
        try
        {
            var cells = notebook.Cells;
            int codeCells = cells.Count(c => NotebookDocument.TypeOf((JsonObject)c!) == "code");
            int codeIndex = 0;
            for (int i = 0; i < cells.Count; i++)
            {
                var cell = (JsonObject)cells[i]!;
                if (NotebookDocument.TypeOf(cell) != "code") continue;
                codeIndex++;
                var language = cell["metadata"]?["dotnet_interactive"]?["language"]?.GetValue<string>()
                    ?? cell["metadata"]?["polyglot_notebook"]?["kernelName"]?.GetValue<string>() ?? "csharp";
                outputs = new JsonArray();
                cell["outputs"] = outputs;
                cell["execution_count"] = ++executionCount;
                var started = Stopwatch.StartNew();
                var label = i == notebook.InjectedCellIndex ? "injected parameters" : $"cell {notebook.CellNumber(i)}";
                _log.Write($"  [{notebook.Name}] {label} ({codeIndex}/{codeCells}) ");
                _echoed = false;

                string? error = language is "csharp" or "C#" or "c#"
                    ? await SubmitAsync(kernel, NotebookDocument.SourceOf(cell))
                    : $"the cell's kernel is '{language}'; notebooks here run C# only";
                outputs = null;
                if (_echoed) _log.Write($"  [{notebook.Name}] {label} ");
                _log.WriteLine(error is null ? $"ok ({started.Elapsed.TotalSeconds:F1} s)" : "FAILED");
                if (error is not null)
                {
                    var cellOutputs = (JsonArray)cell["outputs"]!;
                    if (!cellOutputs.Any(o => o?["output_type"]?.GetValue<string>() == "error"))
                        cellOutputs.Add(ErrorOutput("Error", error));
                    ClearFrom(cells, i + 1);
                    return new NotebookRun(notebook, total.Elapsed, new CellFailure(notebook.CellNumber(i), error));
                }
            }
            return new NotebookRun(notebook, total.Elapsed, null);
        }
        finally
        {
            Environment.CurrentDirectory = previousDirectory;
        }
    }

    static async Task<string?> SubmitAsync(Kernel kernel, string code)
    {
        if (string.IsNullOrWhiteSpace(code)) return null;
        var result = await kernel.SendAsync(new SubmitCode(code));
        var failed = result.Events.OfType<CommandFailed>().FirstOrDefault();
        if (failed is null) return null;
        return failed.Exception is { } e && !failed.Message.Contains(e.Message) ? $"{failed.Message}\n{e}" : failed.Message;
    }

    void Record(KernelEvent e, JsonArray outputs, int executionCount)
    {
        switch (e)
        {
            case StandardOutputValueProduced o:
                var text = PlainText(o.FormattedValues);
                Echo(text);
                AppendStream(outputs, "stdout", text);
                break;
            case StandardErrorValueProduced o:
                AppendStream(outputs, "stderr", PlainText(o.FormattedValues));
                break;
            case DisplayedValueUpdated o when UpdatedOutput(outputs, o.ValueId) is { } updated:
                updated["data"] = Data(o.FormattedValues);
                // A progress display (a training run's status line) shows on the console too, now and then, so a
                // long headless run is not silent for minutes.
                if (_sinceProgressEcho.Elapsed >= ProgressEchoInterval && PlainText(o.FormattedValues) is { Length: > 0 and < 2000 } line)
                {
                    Echo(line);
                    _sinceProgressEcho.Restart();
                }
                break;
            case DisplayedValueProduced o:
                outputs.Add(new JsonObject
                {
                    ["output_type"] = "display_data",
                    ["data"] = Data(o.FormattedValues),
                    ["metadata"] = o.ValueId is null ? new JsonObject() : new JsonObject { ["transient"] = new JsonObject { ["display_id"] = o.ValueId } },
                });
                break;
            case ReturnValueProduced o when o.FormattedValues.Any(v => !v.SuppressDisplay):
                outputs.Add(new JsonObject
                {
                    ["output_type"] = "execute_result",
                    ["data"] = Data(o.FormattedValues),
                    ["metadata"] = new JsonObject(),
                    ["execution_count"] = executionCount,
                });
                break;
            case CommandFailed o when o.Command is SubmitCode:
                outputs.Add(ErrorOutput(o.Exception?.GetType().Name ?? "Error", o.Message));
                break;
        }
    }

    // Which display an update replaces. This version of .NET Interactive publishes a display's updates under another
    // id than the display itself, so an update id seen for the first time is bound to the oldest display of the
    // cell not yet bound to one (right whenever displays are first updated in the order they were made).
    static JsonObject? UpdatedOutput(JsonArray outputs, string valueId)
    {
        var displays = outputs.OfType<JsonObject>().Where(o => o["output_type"]?.GetValue<string>() == "display_data").ToList();
        string? Id(JsonObject o, string key) => o["metadata"]?["transient"]?[key]?.GetValue<string>();
        var match = displays.FirstOrDefault(o => Id(o, "display_id") == valueId || Id(o, "update_id") == valueId)
            ?? displays.FirstOrDefault(o => Id(o, "update_id") is null);
        if (match is not null && match["metadata"]?["transient"] is JsonObject transient) transient["update_id"] = valueId;
        return match;
    }

    // A cell's printed output goes to the console as it comes (long training cells show their progress).
    void Echo(string text)
    {
        if (!_echoed) _log.WriteLine();
        _echoed = true;
        foreach (var line in text.TrimEnd('\n').Split('\n')) _log.WriteLine("      | " + line.TrimEnd('\r'));
    }

    static string PlainText(IEnumerable<FormattedValue> values) =>
        values.FirstOrDefault(v => v.MimeType == "text/plain")?.Value ?? values.FirstOrDefault()?.Value ?? "";

    static JsonObject Data(IEnumerable<FormattedValue> values)
    {
        var data = new JsonObject();
        foreach (var v in values.Where(v => !v.SuppressDisplay)) data[v.MimeType] = v.Value;
        return data;
    }

    // Consecutive writes to one stream become one output, as Jupyter shows them.
    static void AppendStream(JsonArray outputs, string name, string text)
    {
        if (outputs.Count > 0 && outputs[^1] is JsonObject last && last["output_type"]?.GetValue<string>() == "stream"
            && last["name"]?.GetValue<string>() == name)
            last["text"] = last["text"]!.GetValue<string>() + text;
        else
            outputs.Add(new JsonObject { ["output_type"] = "stream", ["name"] = name, ["text"] = text });
    }

    static JsonObject ErrorOutput(string name, string message) => new()
    {
        ["output_type"] = "error",
        ["ename"] = name,
        ["evalue"] = message,
        ["traceback"] = new JsonArray(message.Split('\n').Select(l => (JsonNode?)JsonValue.Create(l)).ToArray()),
    };

    // Cells after a failure did not run in this execution: drop outputs left from an earlier one.
    static void ClearFrom(JsonArray cells, int start)
    {
        for (int j = start; j < cells.Count; j++)
            if (cells[j] is JsonObject c && NotebookDocument.TypeOf(c) == "code")
            {
                c["outputs"] = new JsonArray();
                c["execution_count"] = null;
            }
    }
}
