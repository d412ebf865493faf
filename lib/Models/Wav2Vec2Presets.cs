namespace Parp.Models;

/// <summary>
/// Configurations of the checkpoints the paper uses (as on the Hugging Face hub) and the project's own small sizes.
/// The paper-scale presets describe the architecture; load the real config.json when fine-tuning a real checkpoint.
/// </summary>
public static class Wav2Vec2Presets
{
    /// <summary>facebook/wav2vec2-base: 768 × 12, group norm, no conv bias, post-LN.</summary>
    public static Wav2Vec2Config Base => new()
    {
        Architectures = ["Wav2Vec2ForPreTraining"],
        HiddenDropout = 0.1, AttentionDropout = 0.1, ActivationDropout = 0.0, FeatProjDropout = 0.1,
        FinalDropout = 0.0, Layerdrop = 0.05, CodevectorDim = 256, ProjCodevectorDim = 256,
    };

    /// <summary>facebook/wav2vec2-large (LibriSpeech 960 h): 1024 × 24, group norm, no conv bias, post-LN.</summary>
    public static Wav2Vec2Config LargeLs960 => Base with
    {
        HiddenSize = 1024, NumHiddenLayers = 24, NumAttentionHeads = 16, IntermediateSize = 4096,
        Layerdrop = 0.1, CodevectorDim = 768, ProjCodevectorDim = 768,
    };

    /// <summary>facebook/wav2vec2-large-lv60: layer norm in every conv block, conv bias, pre-LN ("stable layer norm").</summary>
    public static Wav2Vec2Config LargeLv60 => LargeLs960 with
    {
        FeatExtractNorm = "layer", ConvBias = true, DoStableLayerNorm = true,
    };

    /// <summary>facebook/wav2vec2-large-xlsr-53: the LV-60 architecture pre-trained on 53 languages.</summary>
    public static Wav2Vec2Config Xlsr53 => LargeLv60;

    /// <summary>A few hundred thousand parameters: for CI and smoke runs.</summary>
    public static Wav2Vec2Config Smoke => new()
    {
        Architectures = ["Wav2Vec2ForPreTraining"],
        ConvDim = [64, 64, 64, 64, 64, 64, 64],
        HiddenSize = 96, NumHiddenLayers = 3, NumAttentionHeads = 4, IntermediateSize = 384,
        NumConvPosEmbeddings = 16, NumConvPosEmbeddingGroups = 4,
        NumCodevectorsPerGroup = 32, NumCodevectorGroups = 2, CodevectorDim = 64, ProjCodevectorDim = 64, NumNegatives = 20,
        HiddenDropout = 0.1, AttentionDropout = 0.1, ActivationDropout = 0.1, FeatProjDropout = 0.1, FinalDropout = 0.0,
        Layerdrop = 0.0,
    };

    /// <summary>The project's default laptop-scale model (docs/environment.md §4): 256 × 4, conv 7 × 128.</summary>
    public static Wav2Vec2Config Tiny => new()
    {
        Architectures = ["Wav2Vec2ForPreTraining"],
        ConvDim = [128, 128, 128, 128, 128, 128, 128],
        ConvKernel = [10, 3, 3, 3, 3, 2, 2], ConvStride = [5, 2, 2, 2, 2, 2, 2], FeatExtractNorm = "group",
        HiddenSize = 256, NumHiddenLayers = 4, NumAttentionHeads = 4, IntermediateSize = 1024,
        NumConvPosEmbeddings = 32, NumConvPosEmbeddingGroups = 8,
        NumCodevectorsPerGroup = 64, NumCodevectorGroups = 2, CodevectorDim = 128, ProjCodevectorDim = 128, NumNegatives = 50,
        HiddenDropout = 0.1, AttentionDropout = 0.1, ActivationDropout = 0.1, FeatProjDropout = 0.1, FinalDropout = 0.0,
        Layerdrop = 0.0,
    };

    /// <summary>The same modules, layers and parameter names as <paramref name="c"/> at widths of a few channels: the
    /// arithmetic becomes negligible and what is left is the host's cost of issuing the operations (the benchmarks'
    /// <c>--narrow</c>).</summary>
    public static Wav2Vec2Config Narrow(Wav2Vec2Config c) => c with
    {
        HiddenSize = 4 * c.NumAttentionHeads, IntermediateSize = 4 * c.NumAttentionHeads,
        NumConvPosEmbeddingGroups = c.NumAttentionHeads, ConvDim = c.ConvDim.Select(_ => 4).ToArray(),
    };

    /// <summary>A preset by name (base, large-ls960, large-lv60, xlsr-53, smoke, tiny), case-insensitive.</summary>
    public static Wav2Vec2Config ByName(string name) => name.ToLowerInvariant() switch
    {
        "base" => Base,
        "large" or "large-ls960" => LargeLs960,
        "large-lv60" => LargeLv60,
        "xlsr-53" or "xlsr53" => Xlsr53,
        "smoke" => Smoke,
        "tiny" => Tiny,
        _ => throw new ArgumentException($"Unknown wav2vec2 preset '{name}' (base, large-ls960, large-lv60, xlsr-53, smoke, tiny).", nameof(name)),
    };
}
