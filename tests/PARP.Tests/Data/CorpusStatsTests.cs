using Parp.Audio;
using Parp.Data;
using Parp.Data.Corpora;
using Parp.Tests.Support;

namespace Parp.Tests.Data;

public class CorpusStatsTests
{
    [Fact]
    public void Reports_level_peak_clipping_and_silence()
    {
        using var dir = new TempDir();
        WavWriter.WriteMono16(dir.File("tone.wav"), Signals.Sine(300, 16000, 16000, amplitude: 0.5), 16000);
        WavWriter.WriteMono16(dir.File("loud.wav"), Enumerable.Repeat(1.2f, 1600).ToArray(), 16000); // clipped by the writer
        WavWriter.WriteMono16(dir.File("quiet.wav"), new float[1600], 16000);
        var m = new Manifest(dir.Path, [new("tone.wav", 16000), new("loud.wav", 1600), new("quiet.wav", 1600)]);

        var s = CorpusStats.Measure(m);

        Assert.Equal(3, s.Utterances);
        Assert.Equal(19200 / 16000.0 / 3600, s.Hours, 9);
        Assert.Equal(0.0, s.PeakDb, 1);
        Assert.Equal(1600 / 19200.0, s.ClippedFraction, 6);
        Assert.Equal(1, s.SilentUtterances);
        double expectedRms = Math.Sqrt((16000 * 0.125 + 1600 * 1.0) / 19200);
        Assert.Equal(20 * Math.Log10(expectedRms), s.RmsDb, 1);
    }
}
