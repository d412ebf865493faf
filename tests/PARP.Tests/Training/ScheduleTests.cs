using Parp.Training;

namespace Parp.Tests.Training;

public class ScheduleTests
{
    [Fact]
    public void Tri_stage_matches_hand_computed_values()
    {
        // lr 1, 100 updates: 10 warm-up, 40 hold, 50 decay; init 0.01, final 0.05.
        var s = TriStageSchedule.FromRatios(1.0, 100);
        Assert.Equal((10, 40, 50), (s.WarmupSteps, s.HoldSteps, s.DecaySteps));
        Assert.Equal(0.01, s.At(0), 12);
        Assert.Equal(0.01 + 0.99 * 5 / 10, s.At(5), 12);
        Assert.Equal(1.0, s.At(10), 12);
        Assert.Equal(1.0, s.At(49), 12);
        Assert.Equal(1.0, s.At(50), 12);                        // first decay step: exp(0)
        Assert.Equal(Math.Exp(-Math.Log(20) * 25 / 50), s.At(75), 12);
        Assert.Equal(0.05, s.At(100), 12);
        Assert.Equal(0.05, s.At(5000), 12);
    }

    [Fact]
    public void Paper_base_10min_schedule_has_the_code_stage_lengths()
    {
        var s = FineTunePresets.Get("base-10min-parp").Schedule();
        Assert.Equal((1200, 4800, 6000), (s.WarmupSteps, s.HoldSteps, s.DecaySteps));
        Assert.Equal(5e-5 * 0.01, s.At(0), 15);
        Assert.Equal(5e-5, s.At(1200), 15);
        Assert.Equal(5e-5 * 0.05, s.At(12_000), 15);
        Assert.Equal(1600, FineTunePresets.Get("base-10min-parp").BatchSeconds);
        Assert.Equal(750, FineTunePresets.Get("large-10min-parp").BatchSeconds);
        Assert.Equal(1500, FineTunePresets.Get("base-10min-parp-p").BatchSeconds);
        Assert.Equal(750, FineTunePresets.Get("large-1h-parp-p").BatchSeconds);
        Assert.All(FineTunePresets.All.Values, r => r.Validate());
    }

    [Fact]
    public void Warmup_linear_rises_from_zero_then_decays_to_zero()
    {
        var s = new WarmupLinearSchedule(1e-3, 10, 110);
        Assert.Equal(0, s.At(0));
        Assert.Equal(5e-4, s.At(5), 15);
        Assert.Equal(1e-3, s.At(10), 15);
        Assert.Equal(5e-4, s.At(60), 15);
        Assert.Equal(0, s.At(110));
        Assert.Equal(0, s.At(200));
    }

    [Fact]
    public void Gumbel_temperature_decays_per_update_and_stops_at_the_minimum()
    {
        var b = GumbelSchedule.Base;
        Assert.Equal(2, b.At(0));
        Assert.Equal(2 * Math.Pow(0.999995, 1000), b.At(1000), 12);
        Assert.Equal(0.5, b.At(10_000_000));
        var r = GumbelSchedule.Reaching(2, 0.5, 2300);
        Assert.Equal(1.0, r.At(1150), 9);                        // geometric: half-way in log space
        Assert.Equal(0.5, r.At(2300), 9);
        Assert.Equal(0.5, r.At(3000));
    }
}

public class RecipeTests
{
    [Fact]
    public void A_smaller_micro_batch_keeps_the_batch_in_seconds_by_accumulating()
    {
        var r = FineTunePresets.Get("base-10min-parp");          // 3.2M samples x 8 = 1600 s
        var small = r.WithMicroBatch(1_000_000);
        Assert.Equal(26, small.UpdateFreq);                      // ceil(1600 * 16000 / 1e6) = 25.6 -> 26
        Assert.InRange(small.BatchSeconds, 1600, 1625);
        Assert.Equal(8, r.WithMicroBatch(3_200_000).UpdateFreq);
    }

    [Fact]
    public void Recipes_configure_the_model_as_the_spec_says()
    {
        var c = FineTunePresets.Get("base-10min-parp").Configure(Parp.Models.Wav2Vec2Presets.Base, 32);
        Assert.Equal((0.75, 10, 2, 0.512, 64), (c.MaskTimeProb, c.MaskTimeLength, c.MaskTimeMinMasks, c.MaskFeatureProb, c.MaskFeatureLength));
        Assert.Equal((0.0, 0.0, 0.1, 0.0, 0.05), (c.HiddenDropout, c.AttentionDropout, c.ActivationDropout, c.FinalDropout, c.Layerdrop));
        Assert.Equal(("sum", true, 0), (c.CtcLossReduction, c.CtcZeroInfinity, c.PadTokenId));
        Assert.Equal(0, FineTunePresets.Get("base-10min-parp").FreezeFinetuneUpdates);
        Assert.Equal(10_000, FineTunePresets.Get("base-10min-full").FreezeFinetuneUpdates);
        Assert.Equal(0, FineTunePresets.Get("xlsr-1h-parp").ClipNorm);
        Assert.Throws<ArgumentException>(() => (FineTunePresets.Get("tiny") with { HoldFraction = 0.5 }).Validate());
    }

    [Fact]
    public void An_empty_batch_is_refused()
    {
        var empty = new Parp.Data.PaddedBatch([], 0, 0, []);
        var e = Assert.Throws<ArgumentException>(() => CtcBatch.ToTensors(empty, [], Parp.Models.Wav2Vec2Presets.Smoke, TorchSharp.torch.CPU));
        Assert.Contains("empty batch", e.Message);
    }
}
