using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.DotNet.Interactive.Documents;
using Parp.IO;

namespace Parp.Notebooks;

/// <summary>
/// A notebook as nbformat 4 JSON. The host reads .ipynb as JSON (keeping every field it does not touch)
/// and .dib through Microsoft.DotNet.Interactive.Documents, runs the code cells and writes .ipynb back.
/// </summary>
public sealed class NotebookDocument
{
    NotebookDocument(string path, JsonObject root)
    {
        Path = path;
        Root = root;
    }

    public string Path { get; }
    public string Name => System.IO.Path.GetFileName(Path);
    public JsonObject Root { get; }
    public JsonArray Cells => (JsonArray)Root["cells"]!;

    /// <summary>Where the host inserted the injected-parameters cell, if it did.</summary>
    public int? InjectedCellIndex { get; internal set; }

    /// <summary>
    /// The 1-based number of the cell at <paramref name="index"/> as the user sees the notebook on disk:
    /// the injected cell does not count (it gets the number of the parameters cell it follows).
    /// </summary>
    public int CellNumber(int index) => InjectedCellIndex is int injected && index >= injected ? index : index + 1;

    public static NotebookDocument Load(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{path}: cannot read the notebook: {e.Message}");
        }
        return path.EndsWith(".dib", StringComparison.OrdinalIgnoreCase) ? FromDib(path, text) : FromIpynb(path, text);
    }

    static NotebookDocument FromIpynb(string path, string text)
    {
        JsonNode? root;
        try { root = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true }); }
        catch (JsonException e)
        {
            throw new UsageException($"{path}: not a valid notebook: invalid JSON at line {e.LineNumber + 1}: {e.Message.Split('.')[0]}");
        }
        if (root is not JsonObject obj || obj["cells"] is not JsonArray cells)
            throw new UsageException($"{path}: not a valid notebook: no \"cells\" array");
        for (int i = 0; i < cells.Count; i++)
            if (cells[i] is not JsonObject cell || cell["cell_type"]?.GetValue<string>() is null)
                throw new UsageException($"{path}: not a valid notebook: cell {i + 1} has no cell_type");
        return new NotebookDocument(path, obj);
    }

    static NotebookDocument FromDib(string path, string text)
    {
        var document = CodeSubmission.Parse(text);
        var cells = new JsonArray();
        foreach (var element in document.Elements)
        {
            bool markdown = element.KernelName is "markdown" or "md";
            var cell = new JsonObject
            {
                ["cell_type"] = markdown ? "markdown" : "code",
                ["metadata"] = new JsonObject(),
                ["source"] = element.Contents,
            };
            if (!markdown)
            {
                cell["metadata"]!["dotnet_interactive"] = new JsonObject { ["language"] = element.KernelName ?? "csharp" };
                cell["outputs"] = new JsonArray();
                cell["execution_count"] = null;
            }
            cells.Add(cell);
        }
        var root = new JsonObject
        {
            ["cells"] = cells,
            ["metadata"] = new JsonObject
            {
                ["kernelspec"] = new JsonObject { ["display_name"] = ".NET (C#)", ["language"] = "C#", ["name"] = ".net-csharp" },
                ["language_info"] = new JsonObject { ["name"] = "polyglot-notebook" },
            },
            ["nbformat"] = 4,
            ["nbformat_minor"] = 5,
        };
        return new NotebookDocument(path, root);
    }

    public static string SourceOf(JsonObject cell) => cell["source"] switch
    {
        JsonArray lines => string.Concat(lines.Select(l => l?.GetValue<string>() ?? "")),
        JsonValue value => value.GetValue<string>(),
        _ => "",
    };

    public static string TypeOf(JsonObject cell) => cell["cell_type"]!.GetValue<string>();

    public static bool HasTag(JsonObject cell, string tag) =>
        cell["metadata"]?["tags"] is JsonArray tags && tags.Any(t => t?.GetValue<string>() == tag);

    /// <summary>The executed notebook as .ipynb, written atomically.</summary>
    public void Save(string path) =>
        AtomicFile.WriteAllText(path, Root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
}
