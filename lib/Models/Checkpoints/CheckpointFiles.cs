using System.Collections;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace Parp.Models.Checkpoints;

/// <summary>Raw weights read from a checkpoint folder, with the file each came from.</summary>
public sealed class RawWeights : IDisposable
{
    public Dictionary<string, Tensor> Tensors { get; } = new();
    public Dictionary<string, string> SourceFile { get; } = new();
    /// <summary>The weight file(s) read, for error messages.</summary>
    public string Description { get; set; } = "";

    public void Add(string key, Tensor t, string file)
    {
        if (Tensors.ContainsKey(key)) throw new CheckpointException(file, $"key '{key}' also appears in {SourceFile[key]}");
        Tensors[key] = t;
        SourceFile[key] = file;
    }

    public void Dispose()
    {
        foreach (var t in Tensors.Values) t.Dispose();
        Tensors.Clear();
    }
}

/// <summary>Finds and reads the weight files of a Hugging Face model folder.</summary>
public static class CheckpointFiles
{
    public const string Safetensors = "model.safetensors";
    public const string SafetensorsIndex = "model.safetensors.index.json";
    public const string PyTorchBin = "pytorch_model.bin";
    public const string PyTorchBinIndex = "pytorch_model.bin.index.json";

    /// <summary>
    /// Reads the folder's weights, preferring safetensors (single file, then sharded index) over
    /// pytorch_model.bin (single, then sharded), as transformers does. <paramref name="format"/> forces
    /// "safetensors" or "bin".
    /// </summary>
    public static RawWeights Read(string folder, string? format = null)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"checkpoint folder not found: {folder}");
        string P(string name) => Path.Combine(folder, name);
        bool wantSafe = format is null or "safetensors", wantBin = format is null or "bin";
        if (format is not (null or "safetensors" or "bin")) throw new ArgumentException($"format '{format}' is not safetensors|bin", nameof(format));
        if (wantSafe && File.Exists(P(Safetensors))) return ReadFiles([P(Safetensors)], SafetensorsFile.Read);
        if (wantSafe && File.Exists(P(SafetensorsIndex))) return ReadFiles(Shards(P(SafetensorsIndex)), SafetensorsFile.Read);
        if (wantBin && File.Exists(P(PyTorchBin))) return ReadFiles([P(PyTorchBin)], ReadTorchSave);
        if (wantBin && File.Exists(P(PyTorchBinIndex))) return ReadFiles(Shards(P(PyTorchBinIndex)), ReadTorchSave);
        var looked = new List<string>();
        if (wantSafe) looked.AddRange([Safetensors, SafetensorsIndex]);
        if (wantBin) looked.AddRange([PyTorchBin, PyTorchBinIndex]);
        throw new FileNotFoundException($"{folder}: no weights found (looked for {string.Join(", ", looked)})");
    }

    static RawWeights ReadFiles(IReadOnlyList<string> files, Func<string, Dictionary<string, Tensor>> read)
    {
        var raw = new RawWeights { Description = string.Join(", ", files) };
        try
        {
            foreach (var file in files)
                foreach (var (k, t) in read(file)) raw.Add(k, t, file);
        }
        catch
        {
            raw.Dispose();
            throw;
        }
        return raw;
    }

    // The index's weight_map names each key's shard; every shard named there must exist.
    static IReadOnlyList<string> Shards(string indexPath)
    {
        JsonObject? map;
        try { map = JsonNode.Parse(File.ReadAllText(indexPath))?["weight_map"] as JsonObject; }
        catch (System.Text.Json.JsonException e) { throw new CheckpointException(indexPath, $"is not valid JSON: {e.Message}"); }
        if (map is null || map.Count == 0) throw new CheckpointException(indexPath, "has no weight_map");
        var dir = Path.GetDirectoryName(indexPath)!;
        var shards = map.Select(kv => kv.Value?.GetValue<string>() ?? throw new CheckpointException(indexPath, $"weight_map entry '{kv.Key}' is not a file name"))
            .Distinct().Order(StringComparer.Ordinal).Select(s => Path.Combine(dir, s)).ToList();
        var missing = shards.Where(s => !File.Exists(s)).ToList();
        if (missing.Count > 0) throw new CheckpointException(indexPath, "names shard files that do not exist", missing);
        return shards;
    }

    /// <summary>A torch.save zip of a state dict (pytorch_model.bin), via TorchSharp.PyBridge.</summary>
    public static Dictionary<string, Tensor> ReadTorchSave(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"checkpoint file not found: {path}", path);
        Hashtable table;
        try { table = TorchSharp.PyBridge.PyTorchUnpickler.UnpickleStateDict(path); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new CheckpointException(path, $"cannot be read as a torch.save state dict ({e.GetType().Name}: {e.Message})");
        }
        var result = new Dictionary<string, Tensor>();
        foreach (DictionaryEntry e in table)
        {
            if (e.Key is string k && e.Value is Tensor t) result[k] = t;
            else throw new CheckpointException(path, $"entry '{e.Key}' is not a tensor (is it a whole pickled model rather than a state dict?)");
        }
        return result;
    }
}
