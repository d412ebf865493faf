using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Parp.Data;
using Parp.IO;
using Parp.Models;
using Parp.Models.Checkpoints;
using static TorchSharp.torch;

namespace Parp.Training;

/// <summary>
/// The frozen feature encoder's output for every utterance of a dataset, computed once and shared: by every update of a
/// run, by every run that starts from the same θ0 (and so the same CNN), and by the evaluation of a fine-tuned model,
/// whose CNN is still θ0's. Kept in memory, and on disk under the cache (<c>features/</c>) keyed by the CNN's weights,
/// its dtype and the audio, so later runs and notebooks read it back.
/// <para>
/// Each utterance's features are computed <b>on its own</b>, unpadded. The group-norm feature encoder of BASE-type
/// models (and of the project's Tiny model) normalises each channel over time, so computed inside a padded batch an
/// utterance's features depend on how long the batch's longest utterance is; here they depend on the utterance alone,
/// as at inference on one utterance, whatever the batching (docs/PERFORMANCE.md measures the difference). Encoders with
/// a LayerNorm per frame (XLSR-53) give the same features either way.
/// </para>
/// </summary>
public sealed class FeatureCache
{
    /// <summary>Raise when what is computed changes: cached files of an older version are not read.</summary>
    const int Version = 1;

    /// <summary>Features are kept (in memory and on disk) when they take at most this many bytes; beyond it each batch
    /// computes its utterances' features on the fly, one by one, which gives the same numbers.</summary>
    public const long MaxKeptBytes = 2L << 30;

    readonly Wav2Vec2Model model;
    readonly SpeechDataset dataset;
    readonly Device device;
    readonly Tensor?[]? kept;       // [frames, C] per utterance on the CPU, when the set is small enough to keep

    FeatureCache(Wav2Vec2Model model, SpeechDataset dataset, Device device, Tensor?[]? kept, string? file)
    {
        this.model = model; this.dataset = dataset; this.device = device; this.kept = kept;
        File = file;
    }

    /// <summary>The file the features are kept in, or null when they are computed on the fly.</summary>
    public string? File { get; }

    static readonly Dictionary<string, Tensor[]> Loaded = [];

    /// <summary>
    /// The features of <paramref name="dataset"/> through <paramref name="model"/>'s frozen CNN: from memory, from the
    /// cache folder, or computed on <paramref name="device"/> one utterance at a time and saved there (or, for a set
    /// too large to keep, computed per batch).
    /// </summary>
    public static FeatureCache Of(Wav2Vec2ForCtc model, SpeechDataset dataset, Device device, string? cacheFolder = null)
    {
        if (!model.Wav2Vec2.FeatureExtractor.Frozen)
            throw new InvalidOperationException("features can be computed once only for a frozen feature encoder");
        var body = model.Wav2Vec2;
        long frames = dataset.Manifest.Entries.Sum(e => FrameLengths.FromSamples(body.Config, e.NumSamples));
        long bytes = frames * body.Config.ConvDim[^1] * model.LmHead.weight!.ElementSize;
        if (bytes > MaxKeptBytes) return new FeatureCache(body, dataset, device, null, null);
        var file = Path.Combine(cacheFolder ?? Path.Combine(Artifacts.Cache, "features"), $"{Key(body, dataset)}.safetensors");
        lock (Loaded)
        {
            if (!Loaded.TryGetValue(file, out var features))
            {
                features = (System.IO.File.Exists(file) ? TryRead(file, dataset.Count) : null) ?? ComputeAll(body, dataset, device, file);
                if (Loaded.Count >= 8) Loaded.Clear();     // a notebook walks through a few datasets; keep memory bounded
                Loaded[file] = features;
            }
            return new FeatureCache(body, dataset, device, features, file);
        }
    }

    static Tensor[] ComputeAll(Wav2Vec2Model model, SpeechDataset dataset, Device device, string file)
    {
        var features = Enumerable.Range(0, dataset.Count).Select(i => Compute(model, dataset, device, i)).ToArray();
        var named = features.Select((t, i) => (i.ToString(CultureInfo.InvariantCulture), t)).ToDictionary(p => p.Item1, p => p.t);
        AtomicFile.WriteVia(file, temp => SafetensorsFile.Write(temp, named));
        return features;
    }

    // One utterance alone, unpadded: [frames, C] on the CPU, outside any dispose scope.
    static Tensor Compute(Wav2Vec2Model model, SpeechDataset dataset, Device device, int index)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var wave = tensor(dataset.LoadAudio(index)).unsqueeze(0).to(device);
        var dtype = model.FeatureExtractor.parameters().First().dtype;
        return model.Features(wave.to_type(dtype)).squeeze(0).cpu().contiguous().DetachFromDisposeScope();
    }

    // A file that does not hold one tensor per utterance (another dataset, damage) is recomputed, not trusted.
    static Tensor[]? TryRead(string file, int count)
    {
        try
        {
            var tensors = SafetensorsFile.Read(file);
            var names = Enumerable.Range(0, count).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToList();
            if (tensors.Count == count && names.All(tensors.ContainsKey))
                return names.Select(n => tensors[n].DetachFromDisposeScope()).ToArray();
            foreach (var t in tensors.Values) t.Dispose();
            return null;
        }
        catch (CheckpointException) { return null; }
    }

    /// <summary>
    /// A batch: the features of <paramref name="indices"/> padded with zeros to the longest, [B, frames, C], and the
    /// frame mask [B, frames] (true = real frame), on the device in <paramref name="dtype"/>; and each one's frames.
    /// </summary>
    public (Tensor Features, Tensor FrameMask, long[] Frames) Collate(IReadOnlyList<int> indices, ScalarType dtype)
    {
        var parts = indices.Select(i => kept?[i] ?? Compute(model, dataset, device, i)).ToList();
        var frames = parts.Select(p => p.shape[0]).ToArray();
        long longest = frames.Max(), channels = parts[0].shape[1];
        var batch = zeros([indices.Count, longest, channels], parts[0].dtype);
        var mask = zeros([indices.Count, longest], ScalarType.Bool);
        using (no_grad())
            for (int b = 0; b < indices.Count; b++)
            {
                batch[b].narrow(0, 0, frames[b]).copy_(parts[b]);
                mask[b].narrow(0, 0, frames[b]).fill_(Runtime.ScalarMath.One);
            }
        if (kept is null) foreach (var p in parts) p.Dispose();
        return (batch.to(device).to_type(dtype), mask.to(device), frames);
    }

    // sha256 over the CNN's weights (name, dtype, shape, bytes) and the audio (where it is, each utterance's length, how
    // it is loaded): the same θ0 and the same data give the same features.
    static string Key(Wav2Vec2Model model, SpeechDataset dataset)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string text) => sha.AppendData(Encoding.UTF8.GetBytes(text + "\n"));
        Add($"features v{Version}, each utterance alone");
        foreach (var (name, p) in model.FeatureExtractor.named_parameters().OrderBy(p => p.name, StringComparer.Ordinal))
        {
            Add($"{name} {p.dtype} {string.Join(",", p.shape)}");
            using var cpu = p.detach().cpu().contiguous();
            sha.AppendData(cpu.bytes);
        }
        Add($"audio {dataset.AudioOptions}");
        Add(dataset.Manifest.Root);
        foreach (var e in dataset.Manifest.Entries) Add($"{e.RelativePath}\t{e.NumSamples}");
        return Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant()[..24];
    }
}
