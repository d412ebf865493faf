using Parp.Experiments;

namespace Parp.Tests.Experiments;

public class PairedDifferenceTests
{
    [Fact]
    public void The_interval_is_the_paired_t_interval_and_says_tie_when_it_holds_zero()
    {
        // differences 1, 2, 3: mean 2, sd 1, half-width t(0.975, 2) · 1/√3 = 4.303 / 1.732 = 2.484
        var d = PairedDifference.Of([11, 12, 13], [10, 10, 10]);
        Assert.Equal(2, d.Mean, 12);
        Assert.Equal(2 - 2.4843, d.Low, 3);
        Assert.Equal(2 + 2.4843, d.High, 3);
        Assert.False(d.Excludes0);
        Assert.EndsWith("a tie", d.ToString());

        var repeated = PairedDifference.Of([1, 2], [2, 3]);                 // −1 twice: no spread, a point interval
        Assert.True(repeated.Excludes0);
        Assert.False(repeated.Decisive);
        Assert.Equal("2 seed(s): too few for a verdict", repeated.Reading);

        var clear = PairedDifference.Of([5, 5.1, 4.9, 5.05], [1, 1, 1, 1]);
        Assert.True(clear.Decisive);
        Assert.EndsWith("first higher", clear.ToString());

        var one = PairedDifference.Of([3], [1]);
        Assert.True(double.IsNaN(one.Low));
        Assert.False(one.Excludes0);
        Assert.Throws<ArgumentException>(() => PairedDifference.Of([1, 2], [1]));
    }

    [Fact]
    public void Differences_are_written_with_their_sign_and_zero_without_one()
    {
        Assert.Equal(["+1.25", "-0.40", "0.00", "0.00"], new[] { 1.2549, -0.4, -0.001, 0.004 }.Select(PairedDifference.Signed));
        Assert.Equal("0.00 [-0.21, +0.21] over 3 pairs: a tie", PairedDifference.Of([1, 2.08, 3], [1.09, 2, 2.99]).ToString());   // differences -0.09, +0.08, +0.01: t(2) = 4.303
    }

    [Fact]
    public void Precision_is_a_checked_parameter_and_mixed_runs_live_apart_from_float32()
    {
        var bad = Assert.Throws<ArgumentException>(() => new Experiment("e5-e6", "tiny", precision: "fp16"));
        Assert.Contains("allowed: float32, mixed-bf16", bad.Message);
        var plain = new Experiment("e5-e6", "tiny", dryRun: true);
        var mixed = new Experiment("e5-e6", "tiny", dryRun: true, precision: "mixed-bf16");
        Assert.EndsWith("e5-e6-tiny", plain.OutputFolder);
        Assert.EndsWith("e5-e6-tiny-mixed-bf16", mixed.OutputFolder);
        Assert.True(mixed.English.Parp(0.5).Recipe.MixedBf16);
        Assert.True(mixed.Phones.Dense().Recipe.MixedBf16);
        Assert.NotEqual(plain.English.Parp(0.5).Key, mixed.English.Parp(0.5).Key);
    }
}
