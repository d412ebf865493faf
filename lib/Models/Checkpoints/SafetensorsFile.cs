using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace Parp.Models.Checkpoints;

/// <summary>
/// Reads and writes the safetensors format (8-byte little-endian header length, JSON header, raw little-endian data),
/// checking every offset so that a truncated or corrupt file gives a clear error instead of a native crash.
/// </summary>
public static class SafetensorsFile
{
    static readonly Dictionary<string, ScalarType> DTypes = new()
    {
        ["F64"] = ScalarType.Float64, ["F32"] = ScalarType.Float32, ["F16"] = ScalarType.Float16,
        ["BF16"] = ScalarType.BFloat16, ["I64"] = ScalarType.Int64, ["I32"] = ScalarType.Int32,
        ["I16"] = ScalarType.Int16, ["I8"] = ScalarType.Int8, ["U8"] = ScalarType.Byte, ["BOOL"] = ScalarType.Bool,
    };

    static long ElementSize(ScalarType t) => t switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        _ => 1,
    };

    /// <summary>All tensors of a file, on the CPU, keyed by name.</summary>
    public static Dictionary<string, Tensor> Read(string path)
    {
        var (header, dataStart, dataLength) = Header(path);
        using var stream = File.OpenRead(path);
        var result = new Dictionary<string, Tensor>();
        try
        {
            foreach (var (name, node) in header)
            {
                if (name == "__metadata__") continue;
                var (dtype, shape, begin, length) = CheckedEntry(path, name, node, dataLength);
                var bytes = new byte[length];
                stream.Position = dataStart + begin;
                stream.ReadExactly(bytes);
                var t = empty(shape, dtype);
                t.bytes = bytes;
                result[name] = t;
            }
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
        return result;
    }

    /// <summary>
    /// Checks a file without reading its tensors: the header parses and every tensor's bytes lie inside the file, so a
    /// truncated or half-written file fails with a <see cref="CheckpointException"/> naming it. Returns the metadata.
    /// </summary>
    public static Dictionary<string, string> Verify(string path)
    {
        var (header, _, dataLength) = Header(path);
        foreach (var (name, node) in header)
            if (name != "__metadata__") CheckedEntry(path, name, node, dataLength);
        return Metadata(path, header);
    }

    // The header, where the data starts and how many bytes of data the file holds.
    static (JsonObject Header, long DataStart, long DataLength) Header(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"safetensors file not found: {path}", path);
        using var stream = File.OpenRead(path);
        long fileLength = stream.Length;
        var lengthBytes = new byte[8];
        if (fileLength < 8 || stream.Read(lengthBytes, 0, 8) != 8) throw new CheckpointException(path, "is too short to be a safetensors file");
        ulong headerLength = BitConverter.ToUInt64(lengthBytes);
        if (headerLength > (ulong)(fileLength - 8) || headerLength > 100_000_000)
            throw new CheckpointException(path, $"header length {headerLength} does not fit in the file ({fileLength} bytes): truncated or not safetensors");
        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        try
        {
            var header = JsonNode.Parse(headerBytes) as JsonObject ?? throw new JsonException("not an object");
            return (header, 8 + (long)headerLength, fileLength - 8 - (long)headerLength);
        }
        catch (JsonException e) { throw new CheckpointException(path, $"header is not valid JSON: {e.Message}"); }
    }

    // One tensor's entry, checked against the data the file holds.
    static (ScalarType Dtype, long[] Shape, long Begin, int Length) CheckedEntry(string path, string name, JsonNode? node, long dataLength)
    {
        var (dtype, shape, begin, end) = Entry(path, name, node);
        long expected = shape.Aggregate(1L, (a, s) => a * s) * ElementSize(dtype);
        if (begin < 0 || end < begin || end > dataLength)
            throw new CheckpointException(path, $"tensor '{name}' lies at bytes [{begin}, {end}) past the data ({dataLength} bytes): the file is truncated");
        if (end - begin != expected)
            throw new CheckpointException(path, $"tensor '{name}' has {end - begin} bytes but shape [{string.Join(", ", shape)}] needs {expected}");
        if (expected > int.MaxValue) throw new CheckpointException(path, $"tensor '{name}' is larger than 2 GB, which this reader does not support");
        return (dtype, shape, begin, (int)expected);
    }

    static (ScalarType dtype, long[] shape, long begin, long end) Entry(string path, string name, JsonNode? node)
    {
        try
        {
            var dtypeName = node!["dtype"]!.GetValue<string>();
            if (!DTypes.TryGetValue(dtypeName, out var dtype)) throw new CheckpointException(path, $"tensor '{name}' has unsupported dtype {dtypeName}");
            var shape = node["shape"]!.AsArray().Select(s => s!.GetValue<long>()).ToArray();
            var offsets = node["data_offsets"]!.AsArray().Select(s => s!.GetValue<long>()).ToArray();
            if (offsets.Length != 2 || shape.Any(s => s < 0)) throw new FormatException();
            return (dtype, shape, offsets[0], offsets[1]);
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException)
        {
            throw new CheckpointException(path, $"header entry for '{name}' is malformed: {node?.ToJsonString()}");
        }
    }

    /// <summary>The string-to-string <c>__metadata__</c> of a file (empty when it has none), without reading the tensors.</summary>
    public static Dictionary<string, string> ReadMetadata(string path) => Metadata(path, Header(path).Header);

    static Dictionary<string, string> Metadata(string path, JsonObject header)
    {
        try
        {
            return header["__metadata__"] is JsonObject meta ? meta.ToDictionary(kv => kv.Key, kv => kv.Value?.GetValue<string>() ?? "") : [];
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new CheckpointException(path, $"header or its __metadata__ is not valid (safetensors metadata maps strings to strings): {e.Message}");
        }
    }

    /// <summary>Writes tensors (sorted by name, with metadata format=pt as transformers expects) to <paramref name="path"/>.</summary>
    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors) => Write(path, tensors, null);

    /// <summary>As <see cref="Write(string, IReadOnlyDictionary{string, Tensor})"/>, with extra string metadata beside format=pt.</summary>
    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var names = tensors.Keys.Order(StringComparer.Ordinal).ToList();
        var meta = new JsonObject { ["format"] = "pt" };
        foreach (var (key, value) in metadata ?? new Dictionary<string, string>()) meta[key] = value;
        var header = new JsonObject { ["__metadata__"] = meta };
        using var scope = NewDisposeScope();   // the CPU copies die here, never the caller's tensors
        var cpu = new List<Tensor>();
        long offset = 0;
        foreach (var name in names)
        {
            var t = tensors[name].detach().cpu().contiguous();
            cpu.Add(t);
            var dtype = DTypes.FirstOrDefault(kv => kv.Value == t.dtype).Key
                        ?? throw new ArgumentException($"tensor '{name}' has dtype {t.dtype}, which safetensors cannot hold");
            long size = t.NumberOfElements * ElementSize(t.dtype);
            header[name] = new JsonObject
            {
                ["dtype"] = dtype,
                ["shape"] = new JsonArray(t.shape.Select(s => (JsonNode)s).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + size),
            };
            offset += size;
        }
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int pad = (8 - json.Length % 8) % 8;                       // data starts 8-byte aligned
        var headerBytes = json.Concat(Enumerable.Repeat((byte)' ', pad)).ToArray();
        using var stream = File.Create(path);
        stream.Write(BitConverter.GetBytes((ulong)headerBytes.Length));
        stream.Write(headerBytes);
        foreach (var t in cpu) stream.Write(t.bytes);
    }
}
