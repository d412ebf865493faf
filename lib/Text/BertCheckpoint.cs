using Parp.IO;
using Parp.Models.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Parp.Text;

/// <summary>
/// Loads and saves Hugging Face BERT folders (config.json + model.safetensors | sharded index | pytorch_model.bin, read
/// without executing pickles: <see cref="CheckpointFiles"/>). Keys may carry the <c>bert.</c> prefix or not; the legacy
/// LayerNorm names <c>gamma</c>/<c>beta</c> are read as <c>weight</c>/<c>bias</c>, as transformers reads them. Documented
/// cases: the pre-training heads (<c>cls.*</c>) and the position/token-type id buffers are dropped; a checkpoint without
/// a classifier (a pre-trained model) gets a fresh one for its new task, and one without a pooler (a masked-LM model,
/// as this project pre-trains its tiny one) a fresh pooler, as transformers does. Anything else missing, extra or mis-shaped is a
/// <see cref="CheckpointException"/> naming the file and the keys.
/// </summary>
public static class BertCheckpoint
{
    const string BodyPrefix = "bert.";
    const string Classifier = "classifier.";
    static readonly string[] Dropped = ["cls.", "embeddings.position_ids", "embeddings.token_type_ids"];

    public static BertConfig ReadConfig(string folder) => Directory.Exists(folder)
        ? BertConfig.FromJsonFile(Path.Combine(folder, "config.json"))
        : throw new DirectoryNotFoundException($"checkpoint folder not found: {folder}");

    /// <summary>A sequence classifier from a folder; <paramref name="configure"/> may change the config (its labels, dropouts).</summary>
    public static BertForSequenceClassification LoadForSequenceClassification(string folder, Func<BertConfig, BertConfig>? configure = null,
        Device? device = null, string? format = null)
    {
        var config = ReadConfig(folder);
        if (configure is not null) config = configure(config).Validate(Path.Combine(folder, "config.json"));
        BertForSequenceClassification model;
        lock (Runtime.GlobalGenerator.Lock)      // a fresh classifier draws its weights from the global generator
            model = new BertForSequenceClassification(config);
        using (var raw = CheckpointFiles.Read(folder, format)) LoadInto(model, raw);
        if (device is not null) model.to(device);
        return model;
    }

    /// <summary>Copies <paramref name="raw"/> into <paramref name="model"/> by key, checking names and shapes; returns the
    /// model's keys the checkpoint lacked (a new classifier).</summary>
    public static IReadOnlyList<string> LoadInto(nn.Module model, RawWeights raw)
    {
        var targets = model.state_dict();
        var byCanonical = targets.ToDictionary(kv => Canonical(kv.Key), kv => kv.Key);
        var sources = new Dictionary<string, string>();
        foreach (var key in raw.Tensors.Keys)
        {
            var canonical = Canonical(key);
            if (Dropped.Any(canonical.StartsWith)) continue;
            if (!sources.TryAdd(canonical, key))
                throw new CheckpointException(raw.Description, $"keys '{sources[canonical]}' and '{key}' name the same weight");
        }
        bool sourceHasClassifier = sources.Keys.Any(k => k.StartsWith(Classifier));
        var missing = byCanonical.Keys.Where(k => !sources.ContainsKey(k)).ToList();
        bool sourceHasPooler = sources.Keys.Any(k => k.StartsWith("pooler."));
        var badMissing = missing.Where(k => !(k.StartsWith(Classifier) && !sourceHasClassifier) && !(k.StartsWith("pooler.") && !sourceHasPooler))
            .Select(k => byCanonical[k]).ToList();
        var extra = sources.Keys.Where(k => !byCanonical.ContainsKey(k) && !(k.StartsWith(Classifier) || k.StartsWith("pooler."))).Select(k => sources[k]).ToList();
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

    // Body keys without the bert. prefix, the legacy LayerNorm names as today's.
    static string Canonical(string key)
    {
        var k = key.StartsWith(BodyPrefix) ? key[BodyPrefix.Length..] : key;
        return k.EndsWith(".gamma") ? k[..^".gamma".Length] + ".weight" : k.EndsWith(".beta") ? k[..^".beta".Length] + ".bias" : k;
    }

    /// <summary>Writes config.json and model.safetensors in the HF layout, each atomically.</summary>
    public static void Save(nn.Module model, string folder)
    {
        var (architecture, config) = model switch
        {
            BertForSequenceClassification m => ("BertForSequenceClassification", m.Config),
            BertModel m => ("BertModel", m.Config),
            BertForMaskedLM m => ("BertForMaskedLM", m.Config),
            _ => throw new ArgumentException($"{model.GetType().Name} is not a BERT model"),
        };
        Directory.CreateDirectory(folder);
        var state = model.state_dict();
        AtomicFile.WriteVia(Path.Combine(folder, CheckpointFiles.Safetensors), tmp => SafetensorsFile.Write(tmp, state));
        AtomicFile.WriteAllText(Path.Combine(folder, "config.json"), config.ToJson(architecture).ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
    }
}
