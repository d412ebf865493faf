using System.Text.Json;
using System.Text.Json.Nodes;

namespace Parp.Models;

/// <summary>Maps <see cref="Wav2Vec2Config"/> to and from HF's config.json (snake_case names).</summary>
internal static class Wav2Vec2ConfigJson
{
    /// <summary>JSON names this class reads; everything else goes to <see cref="Wav2Vec2Config.Extra"/>.</summary>
    static readonly HashSet<string> Known =
    [
        "vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "hidden_act",
        "hidden_dropout", "activation_dropout", "attention_dropout", "feat_proj_dropout", "feat_quantizer_dropout",
        "final_dropout", "layerdrop", "initializer_range", "layer_norm_eps", "feat_extract_norm", "feat_extract_activation",
        "conv_dim", "conv_stride", "conv_kernel", "conv_bias", "num_conv_pos_embeddings", "num_conv_pos_embedding_groups",
        "do_stable_layer_norm", "apply_spec_augment", "mask_time_prob", "mask_time_length", "mask_time_min_masks",
        "mask_feature_prob", "mask_feature_length", "mask_feature_min_masks", "parp_span_mask_style",
        "num_codevectors_per_group", "num_codevector_groups", "contrastive_logits_temperature", "num_negatives",
        "codevector_dim", "proj_codevector_dim", "diversity_loss_weight", "ctc_loss_reduction", "ctc_zero_infinity",
        "pad_token_id", "bos_token_id", "eos_token_id", "architectures", "num_feat_extract_layers", "model_type",
    ];

    public static Wav2Vec2Config Read(JsonObject o, string source)
    {
        var d = new Wav2Vec2Config();
        T Get<T>(string name, T fallback) => ConfigField.Get(o, source, name, fallback);
        if (o["model_type"] is JsonValue mt && mt.ToString() is var type && type != "wav2vec2")
            throw new ConfigException(source, "model_type", $"is '{type}', not 'wav2vec2'");
        var styleName = Get("parp_span_mask_style", d.SpanMaskStyle.ToString());
        if (!Enum.TryParse<SpanMaskStyle>(styleName, ignoreCase: true, out var style))
            throw new ConfigException(source, "parp_span_mask_style", $"'{styleName}' is not Fairseq|HuggingFace");
        var extra = new JsonObject();
        foreach (var (k, v) in o) if (!Known.Contains(k)) extra[k] = v?.DeepClone();

        var c = new Wav2Vec2Config
        {
            VocabSize = Get("vocab_size", d.VocabSize),
            HiddenSize = Get("hidden_size", d.HiddenSize),
            NumHiddenLayers = Get("num_hidden_layers", d.NumHiddenLayers),
            NumAttentionHeads = Get("num_attention_heads", d.NumAttentionHeads),
            IntermediateSize = Get("intermediate_size", d.IntermediateSize),
            HiddenAct = Get("hidden_act", d.HiddenAct),
            HiddenDropout = Get("hidden_dropout", d.HiddenDropout),
            ActivationDropout = Get("activation_dropout", d.ActivationDropout),
            AttentionDropout = Get("attention_dropout", d.AttentionDropout),
            FeatProjDropout = Get("feat_proj_dropout", d.FeatProjDropout),
            FeatQuantizerDropout = Get("feat_quantizer_dropout", d.FeatQuantizerDropout),
            FinalDropout = Get("final_dropout", d.FinalDropout),
            Layerdrop = Get("layerdrop", d.Layerdrop),
            InitializerRange = Get("initializer_range", d.InitializerRange),
            LayerNormEps = Get("layer_norm_eps", d.LayerNormEps),
            FeatExtractNorm = Get("feat_extract_norm", d.FeatExtractNorm),
            FeatExtractActivation = Get("feat_extract_activation", d.FeatExtractActivation),
            ConvDim = Get("conv_dim", d.ConvDim),
            ConvStride = Get("conv_stride", d.ConvStride),
            ConvKernel = Get("conv_kernel", d.ConvKernel),
            ConvBias = Get("conv_bias", d.ConvBias),
            NumConvPosEmbeddings = Get("num_conv_pos_embeddings", d.NumConvPosEmbeddings),
            NumConvPosEmbeddingGroups = Get("num_conv_pos_embedding_groups", d.NumConvPosEmbeddingGroups),
            DoStableLayerNorm = Get("do_stable_layer_norm", d.DoStableLayerNorm),
            ApplySpecAugment = Get("apply_spec_augment", d.ApplySpecAugment),
            MaskTimeProb = Get("mask_time_prob", d.MaskTimeProb),
            MaskTimeLength = Get("mask_time_length", d.MaskTimeLength),
            MaskTimeMinMasks = Get("mask_time_min_masks", d.MaskTimeMinMasks),
            MaskFeatureProb = Get("mask_feature_prob", d.MaskFeatureProb),
            MaskFeatureLength = Get("mask_feature_length", d.MaskFeatureLength),
            MaskFeatureMinMasks = Get("mask_feature_min_masks", d.MaskFeatureMinMasks),
            SpanMaskStyle = style,
            NumCodevectorsPerGroup = Get("num_codevectors_per_group", d.NumCodevectorsPerGroup),
            NumCodevectorGroups = Get("num_codevector_groups", d.NumCodevectorGroups),
            ContrastiveLogitsTemperature = Get("contrastive_logits_temperature", d.ContrastiveLogitsTemperature),
            NumNegatives = Get("num_negatives", d.NumNegatives),
            CodevectorDim = Get("codevector_dim", d.CodevectorDim),
            ProjCodevectorDim = Get("proj_codevector_dim", d.ProjCodevectorDim),
            DiversityLossWeight = Get("diversity_loss_weight", d.DiversityLossWeight),
            CtcLossReduction = Get("ctc_loss_reduction", d.CtcLossReduction),
            CtcZeroInfinity = Get("ctc_zero_infinity", d.CtcZeroInfinity),
            PadTokenId = Get("pad_token_id", d.PadTokenId),
            BosTokenId = Get("bos_token_id", d.BosTokenId),
            EosTokenId = Get("eos_token_id", d.EosTokenId),
            Architectures = Get("architectures", d.Architectures),
            Extra = extra,
        };
        var layers = Get("num_feat_extract_layers", c.ConvDim.Length);
        if (layers != c.ConvDim.Length)
            throw new ConfigException(source, "num_feat_extract_layers", $"is {layers} but conv_dim has {c.ConvDim.Length} entries");
        return c.Validate(source);
    }

    public static JsonObject Write(Wav2Vec2Config c)
    {
        var o = new JsonObject
        {
            ["activation_dropout"] = c.ActivationDropout,
            ["apply_spec_augment"] = c.ApplySpecAugment,
            ["architectures"] = new JsonArray(c.Architectures.Select(a => (JsonNode)a).ToArray()),
            ["attention_dropout"] = c.AttentionDropout,
            ["bos_token_id"] = c.BosTokenId,
            ["codevector_dim"] = c.CodevectorDim,
            ["contrastive_logits_temperature"] = c.ContrastiveLogitsTemperature,
            ["conv_bias"] = c.ConvBias,
            ["conv_dim"] = Ints(c.ConvDim),
            ["conv_kernel"] = Ints(c.ConvKernel),
            ["conv_stride"] = Ints(c.ConvStride),
            ["ctc_loss_reduction"] = c.CtcLossReduction,
            ["ctc_zero_infinity"] = c.CtcZeroInfinity,
            ["diversity_loss_weight"] = c.DiversityLossWeight,
            ["do_stable_layer_norm"] = c.DoStableLayerNorm,
            ["eos_token_id"] = c.EosTokenId,
            ["feat_extract_activation"] = c.FeatExtractActivation,
            ["feat_extract_norm"] = c.FeatExtractNorm,
            ["feat_proj_dropout"] = c.FeatProjDropout,
            ["feat_quantizer_dropout"] = c.FeatQuantizerDropout,
            ["final_dropout"] = c.FinalDropout,
            ["hidden_act"] = c.HiddenAct,
            ["hidden_dropout"] = c.HiddenDropout,
            ["hidden_size"] = c.HiddenSize,
            ["initializer_range"] = c.InitializerRange,
            ["intermediate_size"] = c.IntermediateSize,
            ["layer_norm_eps"] = c.LayerNormEps,
            ["layerdrop"] = c.Layerdrop,
            ["mask_feature_length"] = c.MaskFeatureLength,
            ["mask_feature_min_masks"] = c.MaskFeatureMinMasks,
            ["mask_feature_prob"] = c.MaskFeatureProb,
            ["mask_time_length"] = c.MaskTimeLength,
            ["mask_time_min_masks"] = c.MaskTimeMinMasks,
            ["mask_time_prob"] = c.MaskTimeProb,
            ["model_type"] = "wav2vec2",
            ["num_attention_heads"] = c.NumAttentionHeads,
            ["num_codevector_groups"] = c.NumCodevectorGroups,
            ["num_codevectors_per_group"] = c.NumCodevectorsPerGroup,
            ["num_conv_pos_embedding_groups"] = c.NumConvPosEmbeddingGroups,
            ["num_conv_pos_embeddings"] = c.NumConvPosEmbeddings,
            ["num_feat_extract_layers"] = c.NumFeatExtractLayers,
            ["num_hidden_layers"] = c.NumHiddenLayers,
            ["num_negatives"] = c.NumNegatives,
            ["pad_token_id"] = c.PadTokenId,
            ["parp_span_mask_style"] = c.SpanMaskStyle.ToString(),
            ["proj_codevector_dim"] = c.ProjCodevectorDim,
            ["vocab_size"] = c.VocabSize,
        };
        foreach (var (k, v) in c.Extra) o[k] = v?.DeepClone();
        return o;
    }

    static JsonArray Ints(int[] values) => new(values.Select(v => (JsonNode)v).ToArray());
}
