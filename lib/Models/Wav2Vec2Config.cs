using System.Text.Json;
using System.Text.Json.Nodes;

namespace Parp.Models;

/// <summary>How training-time span masks are drawn (both keep spans of fixed length and may overlap).</summary>
public enum SpanMaskStyle
{
    /// <summary>fairseq <c>compute_mask_indices</c> as the PARP code ran it (docs/paper.md §8): a fresh u per padded
    /// utterance, starts in {0..T-L-1}, every row then subsampled to the batch's smallest masked count.</summary>
    Fairseq,
    /// <summary>transformers <c>_compute_mask_indices</c>: one u per batch, starts in {0..T-L}, rows padded to equal span counts.</summary>
    HuggingFace,
}

/// <summary>
/// Every field of a Hugging Face wav2vec2 <c>config.json</c> that changes the computation, under its HF name
/// (snake_case in JSON). Fields this project does not model are kept in <see cref="Extra"/> so a saved config
/// round-trips. Defaults are those of <c>transformers.Wav2Vec2Config</c>.
/// </summary>
public sealed record Wav2Vec2Config
{
    public int VocabSize { get; init; } = 32;
    public int HiddenSize { get; init; } = 768;
    public int NumHiddenLayers { get; init; } = 12;
    public int NumAttentionHeads { get; init; } = 12;
    public int IntermediateSize { get; init; } = 3072;
    public string HiddenAct { get; init; } = "gelu";
    public double HiddenDropout { get; init; } = 0.1;
    public double ActivationDropout { get; init; } = 0.1;
    public double AttentionDropout { get; init; } = 0.1;
    public double FeatProjDropout { get; init; } = 0.0;
    public double FeatQuantizerDropout { get; init; } = 0.0;
    public double FinalDropout { get; init; } = 0.1;
    public double Layerdrop { get; init; } = 0.1;
    public double InitializerRange { get; init; } = 0.02;
    public double LayerNormEps { get; init; } = 1e-5;

    /// <summary>"group": GroupNorm after conv 0 only (BASE); "layer": channel LayerNorm in every block (LV-60, XLSR).</summary>
    public string FeatExtractNorm { get; init; } = "group";
    public string FeatExtractActivation { get; init; } = "gelu";
    public int[] ConvDim { get; init; } = [512, 512, 512, 512, 512, 512, 512];
    public int[] ConvStride { get; init; } = [5, 2, 2, 2, 2, 2, 2];
    public int[] ConvKernel { get; init; } = [10, 3, 3, 3, 3, 2, 2];
    public bool ConvBias { get; init; } = false;
    public int NumConvPosEmbeddings { get; init; } = 128;
    public int NumConvPosEmbeddingGroups { get; init; } = 16;
    /// <summary>true: pre-LN layers and a final encoder LayerNorm (LV-60, XLSR); false: post-LN (BASE, LARGE LS-960).</summary>
    public bool DoStableLayerNorm { get; init; } = false;

    public bool ApplySpecAugment { get; init; } = true;
    public double MaskTimeProb { get; init; } = 0.05;
    public int MaskTimeLength { get; init; } = 10;
    public int MaskTimeMinMasks { get; init; } = 2;
    public double MaskFeatureProb { get; init; } = 0.0;
    public int MaskFeatureLength { get; init; } = 10;
    public int MaskFeatureMinMasks { get; init; } = 0;
    /// <summary>Project extension (JSON <c>parp_span_mask_style</c>); transformers ignores it.</summary>
    public SpanMaskStyle SpanMaskStyle { get; init; } = SpanMaskStyle.Fairseq;

    public int NumCodevectorsPerGroup { get; init; } = 320;
    public int NumCodevectorGroups { get; init; } = 2;
    public double ContrastiveLogitsTemperature { get; init; } = 0.1;
    public int NumNegatives { get; init; } = 100;
    public int CodevectorDim { get; init; } = 256;
    public int ProjCodevectorDim { get; init; } = 256;
    public double DiversityLossWeight { get; init; } = 0.1;

    public string CtcLossReduction { get; init; } = "sum";
    public bool CtcZeroInfinity { get; init; } = false;
    public int PadTokenId { get; init; } = 0;
    public int BosTokenId { get; init; } = 1;
    public int EosTokenId { get; init; } = 2;

    /// <summary>HF <c>architectures</c>, e.g. "Wav2Vec2ForCTC" or "Wav2Vec2ForPreTraining".</summary>
    public string[] Architectures { get; init; } = [];
    /// <summary>Fields read from a config.json that this class does not model, written back unchanged.</summary>
    public JsonObject Extra { get; init; } = new();

    public int NumFeatExtractLayers => ConvDim.Length;
    public bool IsPreTraining => Architectures.Contains("Wav2Vec2ForPreTraining");
    /// <summary>HF creates <c>masked_spec_embed</c> only when some mask probability is positive.</summary>
    public bool HasMaskedSpecEmbed => MaskTimeProb > 0 || MaskFeatureProb > 0;
    /// <summary>Input samples per output frame (320 for BASE).</summary>
    public long TotalStride => ConvStride.Aggregate(1L, (a, s) => a * s);
    /// <summary>Fewest input samples that give one frame (400 for BASE).</summary>
    public long ReceptiveField
    {
        get
        {
            long span = 1;
            for (int i = ConvKernel.Length - 1; i >= 0; i--) span = (span - 1) * ConvStride[i] + ConvKernel[i];
            return span;
        }
    }

    /// <summary>Throws a <see cref="ConfigException"/> naming the field when a value is unsupported or inconsistent.</summary>
    public Wav2Vec2Config Validate(string source = "config")
    {
        void Fail(string name, string why) => throw new ConfigException(source, name, why);
        if (FeatExtractNorm is not ("group" or "layer")) Fail("feat_extract_norm", $"'{FeatExtractNorm}' is not supported (group|layer)");
        if (!Activations.IsSupported(HiddenAct)) Fail("hidden_act", $"'{HiddenAct}' is not supported ({Activations.Names})");
        if (!Activations.IsSupported(FeatExtractActivation)) Fail("feat_extract_activation", $"'{FeatExtractActivation}' is not supported ({Activations.Names})");
        if (ConvDim.Length == 0) Fail("conv_dim", "is empty");
        if (ConvStride.Length != ConvDim.Length || ConvKernel.Length != ConvDim.Length)
            Fail("conv_dim", $"conv_dim, conv_stride and conv_kernel have lengths {ConvDim.Length}, {ConvStride.Length}, {ConvKernel.Length}");
        if (ConvDim.Concat(ConvStride).Concat(ConvKernel).Any(v => v <= 0)) Fail("conv_dim", "conv sizes must be positive");
        if (HiddenSize <= 0 || NumHiddenLayers < 0 || IntermediateSize <= 0) Fail("hidden_size", "sizes must be positive");
        if (NumAttentionHeads <= 0 || HiddenSize % NumAttentionHeads != 0) Fail("num_attention_heads", $"{NumAttentionHeads} does not divide hidden_size {HiddenSize}");
        if (NumConvPosEmbeddingGroups <= 0 || HiddenSize % NumConvPosEmbeddingGroups != 0)
            Fail("num_conv_pos_embedding_groups", $"{NumConvPosEmbeddingGroups} does not divide hidden_size {HiddenSize}");
        if (NumConvPosEmbeddings <= 0) Fail("num_conv_pos_embeddings", "must be positive");
        if (NumCodevectorGroups <= 0 || CodevectorDim % NumCodevectorGroups != 0)
            Fail("codevector_dim", $"{CodevectorDim} is not divisible by num_codevector_groups {NumCodevectorGroups}");
        if (CtcLossReduction is not ("sum" or "mean")) Fail("ctc_loss_reduction", $"'{CtcLossReduction}' is not supported (sum|mean)");
        foreach (var (name, p) in new[] { ("hidden_dropout", HiddenDropout), ("activation_dropout", ActivationDropout),
                     ("attention_dropout", AttentionDropout), ("feat_proj_dropout", FeatProjDropout), ("final_dropout", FinalDropout),
                     ("feat_quantizer_dropout", FeatQuantizerDropout), ("layerdrop", Layerdrop),
                     ("mask_time_prob", MaskTimeProb), ("mask_feature_prob", MaskFeatureProb) })
            if (!(p >= 0 && p <= 1)) Fail(name, $"{p} is outside [0, 1]");
        if (MaskTimeLength < 1) Fail("mask_time_length", "must be at least 1");
        if (MaskFeatureLength < 1) Fail("mask_feature_length", "must be at least 1");
        if (Extra["add_adapter"] is JsonValue a && a.GetValueKind() == JsonValueKind.True) Fail("add_adapter", "adapters are not supported");
        if (Extra["use_weighted_layer_sum"] is JsonValue w && w.GetValueKind() == JsonValueKind.True) Fail("use_weighted_layer_sum", "is not supported");
        return this;
    }

    public static Wav2Vec2Config FromJsonFile(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"wav2vec2 config not found: {path}", path);
        JsonNode? node;
        try { node = JsonNode.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new ConfigException(path, "(file)", $"is not valid JSON: {e.Message}"); }
        if (node is not JsonObject obj) throw new ConfigException(path, "(file)", "is not a JSON object");
        return Wav2Vec2ConfigJson.Read(obj, path);
    }

    public static Wav2Vec2Config FromJson(string json, string source = "config.json")
    {
        if (JsonNode.Parse(json) is not JsonObject obj) throw new ConfigException(source, "(file)", "is not a JSON object");
        return Wav2Vec2ConfigJson.Read(obj, source);
    }

    public string ToJson() => Wav2Vec2ConfigJson.Write(this).ToJsonString(new JsonSerializerOptions { WriteIndented = true });
}

/// <summary>A config value that cannot be used; names the file and the field.</summary>
public sealed class ConfigException(string source, string field, string why)
    : Exception($"{source}: field '{field}' {why}")
{
    public string ConfigSource { get; } = source;
    public string Field { get; } = field;
}
