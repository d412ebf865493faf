using Parp.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace Parp.Models.Checkpoints;

/// <summary>What a load did besides copying matching tensors.</summary>
/// <param name="Source">The file or folder that was loaded.</param>
/// <param name="Initialized">Target keys the checkpoint lacked, left at their fresh initialisation (a new lm_head).</param>
/// <param name="Dropped">Checkpoint keys the target has no place for and that were documented to drop (pre-training heads, lm_head).</param>
public sealed record LoadReport(string Source, IReadOnlyList<string> Initialized, IReadOnlyList<string> Dropped);

/// <summary>
/// Loads and saves Hugging Face wav2vec2 folders (config.json + model.safetensors | sharded index | pytorch_model.bin).
/// Keys may carry the <c>wav2vec2.</c> prefix or not; the legacy weight-norm names <c>weight_g</c>/<c>weight_v</c> are
/// read as <c>parametrizations.weight.original0/1</c>. Saving always writes the parametrizations names, as
/// transformers 5 writes them (and it reads both). Documented cases: a checkpoint without <c>lm_head</c> into a CTC
/// model (new head), pre-training heads into a model without them (dropped), <c>lm_head</c> into a bare or pre-training
/// model (dropped), <c>masked_spec_embed</c> absent or extra when the configs' mask probabilities differ. Anything else
/// missing, extra or mis-shaped is a <see cref="CheckpointException"/> naming the file and the keys.
/// </summary>
public static class HfCheckpoint
{
    const string BodyPrefix = "wav2vec2.";
    static readonly string[] PreTrainingHeads = ["quantizer.", "project_q.", "project_hid."];
    const string CtcHead = "lm_head.";

    public static Wav2Vec2Config ReadConfig(string folder) =>
        Directory.Exists(folder)
            ? Wav2Vec2Config.FromJsonFile(Path.Combine(folder, "config.json"))
            : throw new DirectoryNotFoundException($"checkpoint folder not found: {folder}");

    /// <summary>A CTC model from a folder; <paramref name="configure"/> may change the config (dropouts, masking, vocab).</summary>
    public static Wav2Vec2ForCtc LoadCtc(string folder, Func<Wav2Vec2Config, Wav2Vec2Config>? configure = null,
        Device? device = null, string? format = null, ScalarType? dtype = null) =>
        Load(folder, c => new Wav2Vec2ForCtc(c), configure, device, format, out _, dtype);

    public static Wav2Vec2ForPreTraining LoadPreTraining(string folder, Func<Wav2Vec2Config, Wav2Vec2Config>? configure = null,
        Device? device = null, string? format = null, ScalarType? dtype = null) =>
        Load(folder, c => new Wav2Vec2ForPreTraining(c), configure, device, format, out _, dtype);

    public static Wav2Vec2Model LoadModel(string folder, Func<Wav2Vec2Config, Wav2Vec2Config>? configure = null,
        Device? device = null, string? format = null, ScalarType? dtype = null) =>
        Load(folder, c => new Wav2Vec2Model(c), configure, device, format, out _, dtype);

    public static T Load<T>(string folder, Func<Wav2Vec2Config, T> create, Func<Wav2Vec2Config, Wav2Vec2Config>? configure,
        Device? device, string? format, out LoadReport report, ScalarType? dtype = null) where T : nn.Module
    {
        var config = ReadConfig(folder);
        if (configure is not null) config = configure(config).Validate(Path.Combine(folder, "config.json"));
        T model;
        lock (Runtime.GlobalGenerator.Lock)      // a fresh model draws its initial weights from the global generator
            model = create(config);
        using (var raw = CheckpointFiles.Read(folder, format)) report = LoadInto(model, raw);
        // Weights are copied in float32 on the CPU, then moved: the checkpoint's own dtype never changes the model's.
        if (device is not null) model.to(device);
        if (dtype is not null) model.to(dtype.Value);
        return model;
    }

    /// <summary>Copies <paramref name="raw"/> into <paramref name="model"/> by HF key, checking names and shapes.</summary>
    public static LoadReport LoadInto(nn.Module model, RawWeights raw)
    {
        var targets = model.state_dict();
        var byCanonical = targets.ToDictionary(kv => Canonical(kv.Key), kv => kv.Key);
        var sourceByCanonical = new Dictionary<string, string>();
        foreach (var key in raw.Tensors.Keys)
        {
            var canonical = Canonical(Rename(key));
            if (!sourceByCanonical.TryAdd(canonical, key))
                throw new CheckpointException(raw.Description, $"keys '{sourceByCanonical[canonical]}' and '{key}' name the same weight");
        }

        bool targetHasHead = targets.Keys.Any(k => k.StartsWith(CtcHead));
        bool sourceHasHead = sourceByCanonical.Keys.Any(k => k.StartsWith(CtcHead));
        bool MayBeMissing(string canonical) =>
            (canonical.StartsWith(CtcHead) && targetHasHead && !sourceHasHead) || canonical == "masked_spec_embed";
        bool MayDrop(string canonical) =>
            (PreTrainingHeads.Any(canonical.StartsWith) && !targets.Keys.Any(k => k.StartsWith(canonical.Split('.')[0] + ".")))
            || (canonical.StartsWith(CtcHead) && !targetHasHead) || canonical == "masked_spec_embed";

        var missing = byCanonical.Keys.Where(k => !sourceByCanonical.ContainsKey(k)).ToList();
        var extra = sourceByCanonical.Keys.Where(k => !byCanonical.ContainsKey(k)).ToList();
        var badMissing = missing.Where(k => !MayBeMissing(k)).Select(k => byCanonical[k]).ToList();
        var badExtra = extra.Where(k => !MayDrop(k)).Select(k => sourceByCanonical[k]).ToList();
        if (badMissing.Count > 0) throw new CheckpointException(raw.Description, "lacks weights the model needs", badMissing);
        if (badExtra.Count > 0) throw new CheckpointException(raw.Description, "has weights this model has no place for", badExtra);

        var shapeErrors = new List<string>();
        foreach (var (canonical, targetKey) in byCanonical)
        {
            if (!sourceByCanonical.TryGetValue(canonical, out var sourceKey)) continue;
            var (want, got) = (targets[targetKey].shape, raw.Tensors[sourceKey].shape);
            if (!want.SequenceEqual(got))
                shapeErrors.Add($"{sourceKey} in {raw.SourceFile[sourceKey]}: checkpoint [{string.Join(", ", got)}], config needs [{string.Join(", ", want)}]");
        }
        if (shapeErrors.Count > 0) throw new CheckpointException(raw.Description, "has shapes that do not match the config", shapeErrors);

        using (no_grad())
            foreach (var (canonical, targetKey) in byCanonical)
                if (sourceByCanonical.TryGetValue(canonical, out var sourceKey))
                    targets[targetKey].copy_(raw.Tensors[sourceKey]);
        return new LoadReport(raw.Description,
            missing.Select(k => byCanonical[k]).ToList(), extra.Select(k => sourceByCanonical[k]).ToList());
    }

    /// <summary>Legacy weight-norm names → PyTorch parametrization names.</summary>
    public static string Rename(string key) =>
        key.EndsWith(".weight_g") ? key[..^".weight_g".Length] + ".parametrizations.weight.original0"
        : key.EndsWith(".weight_v") ? key[..^".weight_v".Length] + ".parametrizations.weight.original1"
        : key;

    // Body keys without the wav2vec2. prefix; head keys as they are.
    static string Canonical(string key) => key.StartsWith(BodyPrefix) ? key[BodyPrefix.Length..] : key;

    /// <summary>
    /// Writes <paramref name="folder"/>/config.json and model.safetensors in the HF layout, each to a temporary file
    /// that is then renamed over the old one, so a crash never leaves a half-written checkpoint.
    /// </summary>
    public static void Save(nn.Module model, string folder)
    {
        var (architecture, config) = model switch
        {
            Wav2Vec2ForCtc m => ("Wav2Vec2ForCTC", m.Config),
            Wav2Vec2ForPreTraining m => ("Wav2Vec2ForPreTraining", m.Config),
            Wav2Vec2Model m => ("Wav2Vec2Model", m.Config),
            _ => throw new ArgumentException($"{model.GetType().Name} is not a wav2vec2 model"),
        };
        Directory.CreateDirectory(folder);
        var state = model.state_dict();
        AtomicFile.WriteVia(Path.Combine(folder, CheckpointFiles.Safetensors), tmp => SafetensorsFile.Write(tmp, state));
        AtomicFile.WriteAllText(Path.Combine(folder, "config.json"), (config with { Architectures = [architecture] }).ToJson());
    }
}
