using Parp.Models;

namespace Parp.Tests.Models;

public class ConfigTests
{
    [Fact]
    public void Reads_every_fixture_field()
    {
        var c = Wav2Vec2Config.FromJsonFile(Path.Combine(HfFixtures.PathOf("tiny-large-ctc", builtIn: true), "config.json"));
        Assert.Equal([32, 32, 32], c.ConvDim);
        Assert.Equal([10, 3, 3], c.ConvKernel);
        Assert.Equal([5, 2, 2], c.ConvStride);
        Assert.True(c.ConvBias);
        Assert.Equal("layer", c.FeatExtractNorm);
        Assert.True(c.DoStableLayerNorm);
        Assert.Equal((48, 3, 4, 96), (c.HiddenSize, c.NumHiddenLayers, c.NumAttentionHeads, c.IntermediateSize));
        Assert.Equal((16, 4), (c.NumConvPosEmbeddings, c.NumConvPosEmbeddingGroups));
        Assert.Equal((0.05, 10, 2), (c.MaskTimeProb, c.MaskTimeLength, c.MaskTimeMinMasks));
        Assert.Equal((8, 2, 32, 24, 5), (c.NumCodevectorsPerGroup, c.NumCodevectorGroups, c.CodevectorDim, c.ProjCodevectorDim, c.NumNegatives));
        Assert.Equal(("mean", true, 0), (c.CtcLossReduction, c.CtcZeroInfinity, c.PadTokenId));
        Assert.Equal(1e-5, c.LayerNormEps);
        Assert.Equal(["Wav2Vec2ForCTC"], c.Architectures);
    }

    [Fact]
    public void Json_round_trip_keeps_every_field()
    {
        var c = Wav2Vec2Presets.Tiny with { MaskFeatureProb = 0.25, SpanMaskStyle = SpanMaskStyle.HuggingFace };
        var back = Wav2Vec2Config.FromJson(c.ToJson());
        Assert.Equal(c.ToJson(), back.ToJson());
        Assert.Equal(SpanMaskStyle.HuggingFace, back.SpanMaskStyle);
    }

    [Theory]
    [InlineData("\"feat_extract_norm\": \"batch\"", "feat_extract_norm")]
    [InlineData("\"hidden_act\": \"mish\"", "hidden_act")]
    [InlineData("\"num_attention_heads\": 5", "num_attention_heads")]
    [InlineData("\"conv_kernel\": [10, 3]", "conv_dim")]
    [InlineData("\"hidden_size\": \"big\"", "hidden_size")]
    [InlineData("\"mask_time_prob\": 1.5", "mask_time_prob")]
    [InlineData("\"model_type\": \"hubert\"", "model_type")]
    [InlineData("\"add_adapter\": true", "add_adapter")]
    public void Unsupported_values_name_the_field(string field, string name)
    {
        var e = Assert.Throws<ConfigException>(() => Wav2Vec2Config.FromJson("{" + field + "}", "some/config.json"));
        Assert.Equal(name, e.Field);
        Assert.Contains("some/config.json", e.Message);
    }

    [Fact]
    public void Presets_have_the_paper_sizes()
    {
        Assert.Equal(400, Wav2Vec2Presets.Base.ReceptiveField);
        Assert.Equal(320, Wav2Vec2Presets.Base.TotalStride);
        Assert.Equal((1024, 24, 16, 4096), (Wav2Vec2Presets.LargeLs960.HiddenSize, Wav2Vec2Presets.LargeLs960.NumHiddenLayers,
            Wav2Vec2Presets.LargeLs960.NumAttentionHeads, Wav2Vec2Presets.LargeLs960.IntermediateSize));
        Assert.False(Wav2Vec2Presets.LargeLs960.DoStableLayerNorm);
        Assert.Equal(("layer", true, true), (Wav2Vec2Presets.Xlsr53.FeatExtractNorm, Wav2Vec2Presets.Xlsr53.ConvBias, Wav2Vec2Presets.Xlsr53.DoStableLayerNorm));
        Assert.Equal(("group", 256, 4, 128), (Wav2Vec2Presets.Tiny.FeatExtractNorm, Wav2Vec2Presets.Tiny.HiddenSize,
            Wav2Vec2Presets.Tiny.NumHiddenLayers, Wav2Vec2Presets.Tiny.CodevectorDim));
        foreach (var name in new[] { "base", "large-ls960", "large-lv60", "xlsr-53", "smoke", "tiny" })
            Wav2Vec2Presets.ByName(name).Validate(name);
    }

    [Fact]
    public void Base_body_has_the_paper_parameter_count()
    {
        // docs/paper.md §7.2: 94,371,712 body parameters for BASE (no head).
        using var model = new Wav2Vec2Model(Wav2Vec2Presets.Base);
        Assert.Equal(94_371_712, model.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void Smoke_model_has_a_few_hundred_thousand_parameters()
    {
        using var model = new Wav2Vec2ForPreTraining(Wav2Vec2Presets.Smoke);
        Assert.InRange(model.parameters().Sum(p => p.numel()), 200_000, 900_000);
    }
}
