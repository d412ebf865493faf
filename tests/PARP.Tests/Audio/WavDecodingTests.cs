using Parp.Audio;
using Parp.Tests.Support;

namespace Parp.Tests.Audio;

public class WavDecodingTests
{
    // A 300 Hz tone survives every format and rate change; compare against the same tone made at 16 kHz.
    const double Hz = 300;

    [Theory]
    [InlineData(16000, 8, false, 1, 0.02)]
    [InlineData(16000, 16, false, 1, 1e-3)]
    [InlineData(16000, 24, false, 1, 1e-3)]
    [InlineData(16000, 32, false, 1, 1e-3)]
    [InlineData(16000, 32, true, 1, 1e-3)]
    [InlineData(22050, 16, false, 1, 2e-3)]
    [InlineData(44100, 24, false, 1, 2e-3)]
    [InlineData(44100, 32, true, 2, 2e-3)]
    [InlineData(8000, 16, false, 1, 2e-3)]
    [InlineData(48000, 64, true, 1, 2e-3)]
    public void Decodes_to_mono_16k_matching_the_tone(int rate, int bits, bool isFloat, int channels, double tolerance) =>
        AssertTone(rate, bits, isFloat, channels, tolerance, extensible: false);

    [Theory]
    [InlineData(44100, 24, 2)]
    [InlineData(16000, 16, 1)]
    public void Decodes_wave_format_extensible_pcm(int rate, int bits, int channels) =>
        AssertTone(rate, bits, false, channels, 2e-3, extensible: true);

    static void AssertTone(int rate, int bits, bool isFloat, int channels, double tolerance, bool extensible)
    {
        using var dir = new TempDir();
        var path = dir.File("tone.wav");
        int n = rate / 2;
        var tone = Signals.Sine(Hz, rate, n);
        Signals.WriteWav(path, Enumerable.Repeat(tone, channels).ToArray(), rate, bits, isFloat, extensible);

        var x = AudioFile.Load(path);

        Assert.Equal(Resampler.OutputLength(n, rate, 16000), x.Length);
        var expected = Signals.Sine(Hz, 16000, x.Length);
        // Ignore the filter's edge effects (first and last 5 ms).
        double worst = 0;
        for (int i = 80; i < x.Length - 80; i++) worst = Math.Max(worst, Math.Abs(x[i] - expected[i]));
        Assert.True(worst < tolerance, $"max error {worst} exceeds {tolerance}");
    }

    [Fact]
    public void Stereo_is_averaged_to_mono()
    {
        using var dir = new TempDir();
        var path = dir.File("stereo.wav");
        var left = Signals.Sine(Hz, 16000, 8000, amplitude: 0.6);
        var right = new float[8000]; // silent right channel: the mean halves the tone
        Signals.WriteWav(path, [left, right], 16000, 16, false);

        var x = AudioFile.Load(path);

        Assert.Equal(8000, x.Length);
        Assert.Equal(0.3 / Math.Sqrt(2), Signals.Rms(x), 3);
    }

    [Fact]
    public void Normalize_option_gives_zero_mean_unit_variance()
    {
        using var dir = new TempDir();
        var path = dir.File("tone.wav");
        var tone = Signals.Sine(Hz, 16000, 16000, amplitude: 0.1).Select(v => v + 0.2f).ToArray();
        Signals.WriteWav(path, [tone], 16000, 32, true);

        var x = AudioFile.Load(path, new AudioLoadOptions { Normalize = true });

        Assert.Equal(0, x.Average(), 4);
        Assert.Equal(1, Signals.Rms(x), 3);
    }

    [Fact]
    public void Writer_round_trips_through_the_reader()
    {
        using var dir = new TempDir();
        var path = dir.File("out.wav");
        var tone = Signals.Sine(Hz, 16000, 4000);

        WavWriter.WriteMono16(path, tone, 16000);
        var x = AudioFile.Load(path);

        Assert.Equal(tone.Length, x.Length);
        // 16-bit quantisation: within one step of 1/32768 either way.
        Assert.All(Enumerable.Range(0, x.Length), i => Assert.InRange(x[i] - tone[i], -5e-5f, 5e-5f));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp")); // the atomic write left no temporary behind
    }
}
