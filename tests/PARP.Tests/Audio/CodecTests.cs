using Parp.Audio;
using Parp.Tests.Support;

namespace Parp.Tests.Audio;

/// <summary>FLAC and MP3 files made with the real encoders, and real human recordings from Debian.</summary>
public class CodecTests
{
    [RequiresProgramFact("flac", "flac")]
    public void Flac_decodes_losslessly()
    {
        using var dir = new TempDir();
        var wav = dir.File("tone.wav");
        var tone = Signals.Sine(440, 16000, 12345, amplitude: 0.4);
        WavWriter.WriteMono16(wav, tone, 16000);
        Run("flac", "-s", "-f", "-o", dir.File("tone.flac"), wav);

        var fromWav = AudioFile.Load(wav);
        var fromFlac = AudioFile.Load(dir.File("tone.flac"));

        Assert.Equal(fromWav, fromFlac); // lossless: every sample identical
        Assert.Equal(new Parp.Data.Datasets.FlacInfo(16000, 1, 16, 12345), Parp.Data.Datasets.FlacInfo.Read(dir.File("tone.flac")));
        var e = Assert.Throws<AudioException>(() => Parp.Data.Datasets.FlacInfo.Read(wav));
        Assert.Contains("not a FLAC file", e.Message);
    }

    [RequiresProgramFact("flac", "flac")]
    public void Corrupt_flac_names_the_file()
    {
        using var dir = new TempDir();
        var path = dir.File("bad.flac");
        File.WriteAllBytes(path, [.. "fLaC"u8, .. new byte[100]]);
        var e = Assert.Throws<AudioException>(() => AudioFile.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("FLAC", e.Message);
    }

    [RequiresProgramFact("lame", "lame")]
    public void Mp3_at_44k_stereo_decodes_to_the_tone_at_16k()
    {
        using var dir = new TempDir();
        var wav = dir.File("tone.wav");
        var tone = Signals.Sine(440, 44100, 44100, amplitude: 0.5);
        Signals.WriteWav(wav, [tone, tone], 44100, 16, false);
        Run("lame", "--quiet", "-b", "128", wav, dir.File("tone.mp3"));

        var x = AudioFile.Load(dir.File("tone.mp3"));

        // MP3 adds encoder delay and padding (about 1–2 frames of 1152 samples), never a whole second.
        Assert.InRange(x.Length, 16000, 16000 + 3 * 1152 * 16000 / 44100 + 1);
        // A lossy codec: the level stays within a few percent of the tone's RMS.
        Assert.InRange(Signals.Rms(x.AsSpan(2000, 12000)), 0.9 * 0.5 / Math.Sqrt(2), 1.05 * 0.5 / Math.Sqrt(2));
    }

    const string Librivox = "/usr/share/pocketsphinx/test/data/librivox";

    [RequiresPathFact(Librivox, "pocketsphinx-testdata")]
    public void Real_librivox_recordings_decode()
    {
        const string dir = Librivox;
        var files = Directory.GetFiles(dir, "*.wav");
        Assert.NotEmpty(files);
        foreach (var f in files)
        {
            var x = AudioFile.Load(f, new AudioLoadOptions { MinSamples = 400 });
            Assert.True(x.Length > 16000, $"{f}: {x.Length} samples");
            double rms = Signals.Rms(x);
            Assert.InRange(rms, 0.005, 0.5);
        }
    }

    static void Run(string program, params string[] args)
    {
        var r = ExternalProgram.Run(program, args, $"apt-get install {program}");
        Assert.True(r.ExitCode == 0, $"{program} failed: {r.Stderr}");
    }
}
