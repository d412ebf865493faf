using System.Text.RegularExpressions;
using Parp.Models.Checkpoints;
using Parp.Runtime;
using static TorchSharp.torch;

namespace Parp.Pruning;

/// <summary>
/// Reads the official code's mask files: float 0/1 tensors keyed by fairseq names ending in <c>_mask</c>
/// (e.g. <c>encoder.layers.3.self_attn.q_proj.weight_mask</c>, possibly under <c>w2v_encoder.w2v_model.</c>), saved by
/// torch.save (zip format) or as safetensors. Names are mapped to HF names with docs/paper.md §7.3. Only keys that
/// <em>end</em> with <c>_mask</c> are masks (docs/paper.md §11.3: the code's files also carry the learned <c>mask_emb</c>).
/// </summary>
public static class FairseqMasks
{
    static readonly (Regex From, string To)[] Names =
    [
        (new(@"^encoder\.layers\.(\d+)\.self_attn\.(q|k|v|out)_proj\.(weight|bias)$"), "wav2vec2.encoder.layers.$1.attention.$2_proj.$3"),
        (new(@"^encoder\.layers\.(\d+)\.fc1\.(weight|bias)$"), "wav2vec2.encoder.layers.$1.feed_forward.intermediate_dense.$2"),
        (new(@"^encoder\.layers\.(\d+)\.fc2\.(weight|bias)$"), "wav2vec2.encoder.layers.$1.feed_forward.output_dense.$2"),
        (new(@"^post_extract_proj\.(weight|bias)$"), "wav2vec2.feature_projection.projection.$1"),
    ];

    /// <summary>The HF name of a fairseq parameter name (prefix <c>w2v_encoder.w2v_model.</c> allowed), or null.</summary>
    public static string? ToHfName(string fairseqName)
    {
        const string finetuned = "w2v_encoder.w2v_model.";
        var name = fairseqName.StartsWith(finetuned, StringComparison.Ordinal) ? fairseqName[finetuned.Length..] : fairseqName;
        foreach (var (from, to) in Names)
            if (from.IsMatch(name)) return from.Replace(name, to);
        return null;
    }

    public static Mask Load(string path, double targetSparsity = double.NaN)
    {
        var tensors = path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) ? SafetensorsFile.Read(path) : CheckpointFiles.ReadTorchSave(path);
        try { return FromStateDict(tensors, path, targetSparsity); }
        finally { foreach (var t in tensors.Values) t.Dispose(); }
    }

    /// <summary>A mask from a fairseq-keyed dictionary; unknown <c>*_mask</c> keys or values other than 0/1 are errors.</summary>
    public static Mask FromStateDict(IReadOnlyDictionary<string, Tensor> tensors, string source, double targetSparsity = double.NaN)
    {
        var masks = tensors.Where(kv => kv.Key.EndsWith("_mask", StringComparison.Ordinal)).ToList();
        if (masks.Count == 0) throw new PruningException($"{source}: no key ends with '_mask'; not an official-code mask file ({tensors.Count} keys)");
        var unknown = masks.Where(kv => ToHfName(kv.Key[..^"_mask".Length]) is null).Select(kv => kv.Key).ToList();
        if (unknown.Count > 0) throw new PruningException($"{source}: mask keys with no Hugging Face name (docs/paper.md §7.3)", unknown);
        var notBinary = masks.Where(kv => { using var s = NewDisposeScope(); return !kv.Value.eq(ScalarMath.Zero).logical_or(kv.Value.eq(ScalarMath.One)).all().item<bool>(); })
            .Select(kv => kv.Key).ToList();
        if (notBinary.Count > 0) throw new PruningException($"{source}: mask tensors with values other than 0 and 1", notBinary);
        var kept = masks.Select(kv => KeyValuePair.Create(ToHfName(kv.Key[..^"_mask".Length])!, kv.Value.ne(ScalarMath.Zero)))
            .OrderBy(kv => kv.Key, StringComparer.Ordinal);
        return new Mask(kept, new MaskInfo("fairseq-import", targetSparsity, source, 0, "paper"));
    }
}
