using Parp.IO;
using Parp.Models.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Parp.Text;

/// <summary>
/// How a family of Hugging Face text checkpoints names its weights: the body's prefix (<c>bert.</c>,
/// <c>transformer.</c>), which keys a fine-tuning model drops (pre-training heads, id buffers), and which heads a new
/// task may lack and then starts fresh (a classifier; a pooler or sequence summary when the source had none).
/// </summary>
public sealed record TextCheckpointLayout(string BodyPrefix, IReadOnlyList<string> Dropped, IReadOnlyList<string> FreshHeads, bool LegacyLayerNormNames);

/// <summary>Loading and saving HF text checkpoints by key, with the checks every family needs.</summary>
public static class TextCheckpoint
{
    /// <summary>Copies <paramref name="raw"/> into <paramref name="model"/> by key, checking names and shapes; returns the
    /// model's keys the checkpoint lacked (heads a new task starts fresh). Keys may carry the body prefix or not. A head
    /// of <see cref="TextCheckpointLayout.FreshHeads"/> may be missing only as a whole; anything else missing, extra or
    /// mis-shaped is a <see cref="CheckpointException"/> naming the file and the keys.</summary>
    public static IReadOnlyList<string> LoadInto(nn.Module model, RawWeights raw, TextCheckpointLayout layout)
    {
        string Canonical(string key)
        {
            var k = key.StartsWith(layout.BodyPrefix, StringComparison.Ordinal) ? key[layout.BodyPrefix.Length..] : key;
            if (!layout.LegacyLayerNormNames) return k;
            return k.EndsWith(".gamma") ? k[..^".gamma".Length] + ".weight" : k.EndsWith(".beta") ? k[..^".beta".Length] + ".bias" : k;
        }
        var targets = model.state_dict();
        var byCanonical = targets.ToDictionary(kv => Canonical(kv.Key), kv => kv.Key);
        var sources = new Dictionary<string, string>();
        foreach (var key in raw.Tensors.Keys)
        {
            var canonical = Canonical(key);
            if (layout.Dropped.Any(d => canonical.StartsWith(d, StringComparison.Ordinal))) continue;
            if (!sources.TryAdd(canonical, key))
                throw new CheckpointException(raw.Description, $"keys '{sources[canonical]}' and '{key}' name the same weight");
        }
        string? HeadOf(string key) => layout.FreshHeads.FirstOrDefault(h => key.StartsWith(h, StringComparison.Ordinal));
        var headsInSource = sources.Keys.Select(HeadOf).OfType<string>().ToHashSet();
        var missing = byCanonical.Keys.Where(k => !sources.ContainsKey(k)).ToList();
        var badMissing = missing.Where(k => HeadOf(k) is not { } head || headsInSource.Contains(head)).Select(k => byCanonical[k]).ToList();
        var extra = sources.Keys.Where(k => !byCanonical.ContainsKey(k) && HeadOf(k) is null).Select(k => sources[k]).ToList();
        if (badMissing.Count > 0) throw new CheckpointException(raw.Description, "lacks weights the model needs", badMissing);
        if (extra.Count > 0) throw new CheckpointException(raw.Description, "has weights this model has no place for", extra);
        var shapeErrors = byCanonical.Where(kv => sources.ContainsKey(kv.Key))
            .Where(kv => !targets[kv.Value].shape.SequenceEqual(raw.Tensors[sources[kv.Key]].shape))
            .Select(kv => $"{sources[kv.Key]}: checkpoint [{string.Join(", ", raw.Tensors[sources[kv.Key]].shape)}], config needs [{string.Join(", ", targets[kv.Value].shape)}]")
            .ToList();
        if (shapeErrors.Count > 0) throw new CheckpointException(raw.Description, "has shapes that do not match the config", shapeErrors);
        using (no_grad())
            foreach (var (canonical, targetKey) in byCanonical)
                if (sources.TryGetValue(canonical, out var sourceKey))
                    targets[targetKey].copy_(raw.Tensors[sourceKey]);
        return missing.Select(k => byCanonical[k]).ToList();
    }

    /// <summary>Writes config.json and model.safetensors in the HF layout, each atomically.</summary>
    public static void Save(nn.Module model, System.Text.Json.Nodes.JsonObject config, string folder)
    {
        Directory.CreateDirectory(folder);
        var state = model.state_dict();
        AtomicFile.WriteVia(Path.Combine(folder, CheckpointFiles.Safetensors), tmp => SafetensorsFile.Write(tmp, state));
        AtomicFile.WriteAllText(Path.Combine(folder, "config.json"), config.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
    }
}
