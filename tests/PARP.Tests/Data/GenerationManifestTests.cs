using Parp.Data;
using Parp.Data.Corpora;
using Parp.Tests.Support;

namespace Parp.Tests.Data;

public class GenerationManifestTests
{
    [Fact]
    public void Round_trips_every_field()
    {
        using var dir = new TempDir();
        UtteranceSpec[] specs =
        [
            new("1h/en-1h-00000", "en-us+m3", 160, 40, null, 12345678901234567890UL, "hello there", 23456),
            new("test/ky-test-00001", "ky+f5", 131, 75, 17.5, 1, "жаңы үй", 999),
        ];
        GenerationManifest.Write(dir.File("x.gen.tsv"), specs);
        Assert.Equal(specs, GenerationManifest.Read(dir.File("x.gen.tsv")));
    }

    [Theory]
    [InlineData("id\tvoice\n", 1, "header")]
    [InlineData(GenerationManifest.Header + "\na\tv\t1\t2\t-\t3\t4\n", 2, "8 tab-separated fields")]
    [InlineData(GenerationManifest.Header + "\na\tv\tfast\t2\t-\t3\t4\ttext\n", 2, "")]
    [InlineData(GenerationManifest.Header + "\na\tv\t1\t2\t-\t3\t4\t \n", 2, "empty text")]
    public void Bad_lines_name_file_and_line(string content, int line, string problem)
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("bad.gen.tsv"), content);
        var e = Assert.Throws<DataFormatException>(() => GenerationManifest.Read(dir.File("bad.gen.tsv")));
        Assert.Equal(line, e.Line);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void Noise_has_the_requested_snr_and_is_fixed_by_the_seed()
    {
        var clean = Signals.Sine(300, 16000, 16000, amplitude: 0.3);
        var a = (float[])clean.Clone();
        var b = (float[])clean.Clone();
        EspeakSynthesizer.AddNoise(a, 20, seed: 5);
        EspeakSynthesizer.AddNoise(b, 20, seed: 5);
        Assert.Equal(a, b);
        double noise = Signals.Rms(a.Zip(clean, (x, y) => x - y).ToArray());
        Assert.Equal(20, 20 * Math.Log10(Signals.Rms(clean) / noise), 0); // within 0.5 dB
    }
}
