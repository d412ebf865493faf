using System.Text.Json.Nodes;

namespace Parp.Tests.Notebooks;

/// <summary>Writes small notebooks into a temporary folder for the host's tests.</summary>
public sealed class TestNotebooks : IDisposable
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("parp-host-test-").FullName;
    public string Artifacts => Path.Combine(Folder, "artifacts");

    /// <summary>Cells: "md:..." is markdown, "params:..." the parameters cell, anything else a C# code cell.</summary>
    public string Write(string name, params string[] cells)
    {
        var array = new JsonArray();
        foreach (var cell in cells)
        {
            if (cell.StartsWith("md:")) { array.Add(new JsonObject { ["cell_type"] = "markdown", ["metadata"] = new JsonObject(), ["source"] = cell[3..] }); continue; }
            bool parameters = cell.StartsWith("params:");
            var metadata = new JsonObject();
            if (parameters) metadata["tags"] = new JsonArray("parameters");
            array.Add(new JsonObject
            {
                ["cell_type"] = "code", ["metadata"] = metadata, ["source"] = parameters ? cell[7..] : cell,
                ["outputs"] = new JsonArray(), ["execution_count"] = null,
            });
        }
        var path = Path.Combine(Folder, name);
        File.WriteAllText(path, new JsonObject { ["cells"] = array, ["metadata"] = new JsonObject(), ["nbformat"] = 4, ["nbformat_minor"] = 5 }.ToJsonString());
        return path;
    }

    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
    }
}
