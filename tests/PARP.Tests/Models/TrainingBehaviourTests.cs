using Parp.Models;
using Parp.Models.Checkpoints;
using static TorchSharp.torch;

namespace Parp.Tests.Models;

/// <summary>What happens in training mode: losses, gradients, Gumbel quantizer, negatives, layerdrop, freezing.</summary>
public class TrainingBehaviourTests
{
    static Wav2Vec2Config Smoke => Wav2Vec2Presets.Smoke;

    [Fact]
    public void Negatives_come_from_other_masked_frames_of_the_same_utterance()
    {
        using var scope = NewDisposeScope();
        var mask = SpanMasking.ComputeTensor(SpanMaskStyle.HuggingFace, 3, 60, 0.5, 5, 2, null, new Generator(2));
        var neg = NegativeSampling.Sample(mask, 7, new Generator(3));
        Assert.Equal(new long[] { 3, 60, 7 }, neg.shape);
        var m = mask.data<bool>().ToArray();
        var n = neg.data<long>().ToArray();
        for (int b = 0; b < 3; b++)
            for (int t = 0; t < 60; t++)
            {
                if (!m[b * 60 + t]) continue;
                for (int k = 0; k < 7; k++)
                {
                    long idx = n[(b * 60 + t) * 7 + k];
                    Assert.InRange(idx, b * 60, b * 60 + 59);                       // same utterance
                    Assert.True(m[idx], "a negative must be a masked frame");
                    Assert.NotEqual(b * 60 + t, idx);                              // never the positive
                }
            }
    }

    [Fact]
    public void PreTraining_step_runs_with_gumbel_noise_and_gradients_reach_the_quantizer()
    {
        using var scope = NewDisposeScope();
        var model = new Wav2Vec2ForPreTraining(Smoke) { FeaturePenaltyWeight = 0 };
        model.Quantizer.Generator = new Generator(9);
        model.Quantizer.Temperature = 0.5;
        model.train();
        var x = randn(2, 6000, generator: new Generator(4));
        long frames = FrameLengths.FromSamples(Smoke, 6000);
        var mask = SpanMasking.ComputeTensor(SpanMaskStyle.Fairseq, 2, (int)frames, 0.65, 10, 2, null, new Generator(5));
        var neg = NegativeSampling.Sample(mask, Smoke.NumNegatives, new Generator(6));
        var o = model.forward(x, maskTimeIndices: mask, sampledNegativeIndices: neg);
        Assert.True(float.IsFinite(o.Loss!.item<float>()));
        o.Loss.backward();
        var grad = model.Quantizer.WeightProj.weight!.grad;
        Assert.NotNull(grad);
        Assert.True(grad!.abs().sum().item<float>() > 0, "straight-through Gumbel must pass gradients to weight_proj");
        Assert.True(model.Quantizer.Codevectors.grad!.abs().sum().item<float>() > 0);
        // Perplexity in training comes from the soft distribution: bounded by G·V and above 1.
        Assert.InRange(o.CodevectorPerplexity.item<float>(), 1f, Smoke.NumCodevectorGroups * Smoke.NumCodevectorsPerGroup);
    }

    [Fact]
    public void Feature_penalty_adds_weight_times_mean_square_times_masked_count()
    {
        using var scope = NewDisposeScope();
        var e = HfFixtures.Expected("tiny-pretrain", builtIn: true);
        var model = HfCheckpoint.LoadPreTraining(HfFixtures.PathOf("tiny-pretrain", builtIn: true));
        model.eval();
        using var _ = no_grad();
        model.FeaturePenaltyWeight = 10;
        var o = model.forward(e["input_values"], maskTimeIndices: e["mask_time_indices"], sampledNegativeIndices: e["sampled_negative_indices"]);
        double masked = e["mask_time_indices"].to_type(ScalarType.Float32).sum().item<float>();
        double penalty = o.Body.ConvFeatures.pow(2).mean().item<float>();
        Assert.Equal(penalty, o.FeaturePenalty!.item<float>(), 5);
        Assert.Equal(e["loss"].item<float>() + 10 * penalty * masked, o.Loss!.item<float>(), 2);
    }

    [Fact]
    public void Ctc_loss_sum_is_the_sum_of_per_utterance_losses_and_freezing_stops_cnn_gradients()
    {
        using var scope = NewDisposeScope();
        var config = Smoke with { CtcLossReduction = "sum", CtcZeroInfinity = true, HiddenDropout = 0, AttentionDropout = 0,
            ActivationDropout = 0, FeatProjDropout = 0, MaskTimeProb = 0, Layerdrop = 0 };
        var model = new Wav2Vec2ForCtc(config);
        model.FreezeFeatureEncoder();
        model.train();
        var x = randn(2, 8000, generator: new Generator(1));
        var labels = tensor(new long[] { 5, 6, 7, 8, 9, 6, 7, -100, -100, -100 }, 2, 5);
        var both = model.forward(x, labels: labels).Loss!;
        var first = model.forward(x[..1], labels: labels[..1]).Loss!;
        var second = model.forward(x[1..], labels: labels[1.., ..2]).Loss!;
        Assert.Equal(first.item<float>() + second.item<float>(), both.item<float>(), 2);
        both.backward();
        Assert.All(model.Wav2Vec2.FeatureExtractor.parameters(), p => Assert.Null(p.grad));
        Assert.NotNull(model.LmHead.weight!.grad);
        Assert.Throws<ArgumentException>(() => model.forward(x, labels: tensor(new long[] { 32, 1 }, 2, 1)));
    }

    [Fact]
    public void Layerdrop_and_dropout_act_only_in_training_and_follow_the_generator()
    {
        using var scope = NewDisposeScope();
        var config = Smoke with { Layerdrop = 1.0, MaskTimeProb = 0, HiddenDropout = 0, AttentionDropout = 0, ActivationDropout = 0, FeatProjDropout = 0 };
        var model = new Wav2Vec2Model(config);
        var x = randn(1, 4000, generator: new Generator(1));
        using var _ = no_grad();
        model.train();
        var skipped = model.forward(x, outputHiddenStates: true);
        // Every layer dropped: each recorded state equals the encoder input.
        Assert.True(HfFixtures.Same(skipped.HiddenStates![0], skipped.LastHiddenState));
        model.eval();
        var full = model.forward(x);
        Assert.False(HfFixtures.Same(full.LastHiddenState, skipped.LastHiddenState));

        var half = new Wav2Vec2Model(config with { Layerdrop = 0.5 });
        half.train();
        half.Generator = new Generator(11);
        var a = half.forward(x).LastHiddenState;
        half.Generator = new Generator(11);
        var b = half.forward(x).LastHiddenState;
        Assert.True(HfFixtures.Same(a, b));
    }
}
