using Parp.Audio;
using Parp.Tests.Support;

namespace Parp.Tests.Audio;

public class ResamplerTests
{
    [Theory]
    [InlineData(22050, 16000, 22050, 16000)]
    [InlineData(22050, 16000, 31438, 22813)] // ceil(31438 · 320 / 441 = 22812.1)
    [InlineData(44100, 16000, 1, 1)]
    [InlineData(8000, 16000, 1001, 2002)]
    [InlineData(48000, 16000, 48001, 16001)]
    [InlineData(16000, 16000, 123, 123)]
    public void Output_length_is_the_ceiling_of_the_rate_ratio(int from, int to, int n, int expected)
    {
        Assert.Equal(expected, Resampler.OutputLength(n, from, to));
        Assert.Equal(expected, Resampler.Resample(new float[n], from, to).Length);
    }

    [Fact]
    public void Tones_above_the_new_nyquist_frequency_are_removed()
    {
        var high = Signals.Sine(10000, 44100, 44100); // 10 kHz cannot exist at 16 kHz
        var y = Resampler.Resample(high, 44100, 16000);
        Assert.True(Signals.Rms(y.AsSpan(200, y.Length - 400)) < 0.005, "aliased energy left after resampling");
    }

    [Fact]
    public void Pass_band_tones_keep_their_amplitude()
    {
        var tone = Signals.Sine(3000, 22050, 22050, amplitude: 0.5);
        var y = Resampler.Resample(tone, 22050, 16000);
        Assert.Equal(0.5 / Math.Sqrt(2), Signals.Rms(y.AsSpan(200, y.Length - 400)), 2);
    }

    [Fact]
    public void Rates_without_a_small_common_ratio_still_resample()
    {
        // 44101 and 16000 share no factor: the filter is evaluated per sample instead of tabulated.
        var tone = Signals.Sine(300, 44101, 4410);
        var y = Resampler.Resample(tone, 44101, 16000);
        var expected = Signals.Sine(300, 16000, y.Length);
        for (int i = 100; i < y.Length - 100; i++) Assert.Equal(expected[i], y[i], 2);
    }
}
