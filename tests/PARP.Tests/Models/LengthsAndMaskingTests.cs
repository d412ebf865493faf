using Parp.Models;
using static TorchSharp.torch;

namespace Parp.Tests.Models;

public class LengthsAndMaskingTests
{
    static readonly Wav2Vec2Config Base = Wav2Vec2Presets.Base;

    [Theory]
    [InlineData(16000, 49)]
    [InlineData(400, 1)]
    [InlineData(399, 0)]
    [InlineData(720, 2)]
    [InlineData(0, -1)]
    public void Output_length_follows_the_conv_stack(long samples, long frames)
    {
        Assert.Equal(frames, Math.Max(FrameLengths.FromSamples(Base, samples), -1));
        using var t = FrameLengths.FromSamples(Base, tensor(new long[] { samples }));
        if (samples >= 400) Assert.Equal(frames, t.item<long>());
    }

    [Fact]
    public void Fixture_lengths_match_transformers()
    {
        var c = Wav2Vec2Config.FromJsonFile(Path.Combine(HfFixtures.PathOf("tiny-base-ctc", builtIn: true), "config.json"));
        Assert.Equal(159, FrameLengths.FromSamples(c, 3200));
        Assert.Equal(119, FrameLengths.FromSamples(c, 2400));
    }

    [Fact]
    public void Frame_mask_keeps_the_frames_of_the_real_samples()
    {
        using var scope = NewDisposeScope();
        var mask = ones(2, 16000, dtype: ScalarType.Int64);
        mask[1, 8000..] = tensor(0L);
        var frames = FrameLengths.FrameMask(Base, mask, 49);
        Assert.Equal(49, frames[0].sum().item<long>());
        Assert.Equal(FrameLengths.FromSamples(Base, 8000), frames[1].sum().item<long>());
        Assert.True(frames[1, ..24].all().item<bool>());
    }

    [Fact]
    public void Audio_shorter_than_the_receptive_field_is_a_clear_error()
    {
        using var model = new Wav2Vec2ForCtc(Wav2Vec2Presets.Smoke);
        var e = Assert.Throws<ArgumentException>(() => model.forward(zeros(1, 399)));
        Assert.Contains("400", e.Message);
        Assert.Contains("399", e.Message);
    }

    [Theory]
    [InlineData(SpanMaskStyle.Fairseq)]
    [InlineData(SpanMaskStyle.HuggingFace)]
    public void Span_masks_cover_about_the_expected_share_and_respect_lengths(SpanMaskStyle style)
    {
        var gen = new Generator(7);
        var lengths = new long[] { 500, 400, 300, 500 };
        double covered = 0;
        for (int rep = 0; rep < 20; rep++)
        {
            var m = SpanMasking.Compute(style, 4, 500, 0.65, 10, 2, lengths, gen);
            for (int b = 0; b < 4; b++)
            {
                int count = 0;
                for (int t = 0; t < 500; t++) if (m[b, t]) { count++; Assert.True(t < lengths[b], $"masked frame {t} past length {lengths[b]}"); }
                covered += (double)count / lengths[b];
            }
        }
        covered /= 80;
        // docs/paper.md §8: mask_prob 0.65 with spans of 10 covers about 49 % of frames (overlaps merge).
        Assert.InRange(covered, 0.35, 0.60);
    }

    [Fact]
    public void Fairseq_style_rows_have_equal_masked_counts()
    {
        var m = SpanMasking.Compute(SpanMaskStyle.Fairseq, 3, 200, 0.65, 10, 2, [200, 150, 120], new Generator(3));
        var counts = Enumerable.Range(0, 3).Select(b => Enumerable.Range(0, 200).Count(t => m[b, t])).ToArray();
        Assert.All(counts, c => Assert.Equal(counts[0], c));
        Assert.True(counts[0] > 0);
    }

    [Theory]
    [InlineData(SpanMaskStyle.Fairseq)]
    [InlineData(SpanMaskStyle.HuggingFace)]
    public void Min_masks_apply_to_short_sequences(SpanMaskStyle style)
    {
        // 30 frames at 5 %: ⌊0.05·30/10 + u⌋ ≤ 1 span, but at least 2 spans are drawn.
        for (int seed = 0; seed < 10; seed++)
        {
            var m = SpanMasking.Compute(style, 1, 30, 0.05, 10, 2, null, new Generator((ulong)seed));
            Assert.True(Enumerable.Range(0, 30).Count(t => m[0, t]) >= 10);
        }
    }

    [Fact]
    public void Span_masks_are_deterministic_given_a_generator()
    {
        var a = SpanMasking.Compute(SpanMaskStyle.Fairseq, 2, 100, 0.5, 10, 2, null, new Generator(42));
        var b = SpanMasking.Compute(SpanMaskStyle.Fairseq, 2, 100, 0.5, 10, 2, null, new Generator(42));
        var c = SpanMasking.Compute(SpanMaskStyle.Fairseq, 2, 100, 0.5, 10, 2, null, new Generator(43));
        Assert.Equal(a.Cast<bool>(), b.Cast<bool>());
        Assert.NotEqual(a.Cast<bool>(), c.Cast<bool>());
    }

    [Fact]
    public void SpecAugment_applies_in_training_only()
    {
        using var scope = NewDisposeScope();
        var config = Wav2Vec2Presets.Smoke with
        {
            MaskTimeProb = 0.5, MaskTimeLength = 5, MaskFeatureProb = 0.5, MaskFeatureLength = 8,
            HiddenDropout = 0, AttentionDropout = 0, ActivationDropout = 0, FeatProjDropout = 0, Layerdrop = 0,
        };
        var model = new Wav2Vec2Model(config) { Generator = new Generator(5) };
        var x = randn(2, 8000, generator: new Generator(1));
        using var _ = no_grad();
        model.eval();
        var eval1 = model.forward(x);
        var eval2 = model.forward(x);
        Assert.Null(eval1.MaskTimeIndices);
        Assert.True(HfFixtures.Same(eval1.LastHiddenState, eval2.LastHiddenState));

        model.train();
        var train = model.forward(x);
        Assert.NotNull(train.MaskTimeIndices);
        double share = train.MaskTimeIndices!.to_type(ScalarType.Float32).mean().item<float>();
        Assert.InRange(share, 0.2, 0.8);
        Assert.False(HfFixtures.Same(eval1.LastHiddenState, train.LastHiddenState));
    }

    [Fact]
    public void Given_time_mask_writes_masked_spec_embed()
    {
        using var scope = NewDisposeScope();
        var config = Wav2Vec2Presets.Smoke with { NumHiddenLayers = 0, FeatProjDropout = 0, HiddenDropout = 0 };
        var model = new Wav2Vec2Model(config);
        model.eval();
        var x = randn(1, 4000);
        long frames = FrameLengths.FromSamples(config, 4000);
        var mask = zeros(1, frames, dtype: ScalarType.Bool);
        mask[0, 3] = tensor(true);
        using var _ = no_grad();
        var plain = model.forward(x).LastHiddenState;
        var masked = model.forward(x, maskTimeIndices: mask).LastHiddenState;
        // Frame 3 changed; frames far beyond the positional conv's reach (kernel 16) did not.
        Assert.False(HfFixtures.Same(plain[0, 3], masked[0, 3]));
        Assert.True(HfFixtures.Same(plain[0, 30..], masked[0, 30..]));
    }
}
