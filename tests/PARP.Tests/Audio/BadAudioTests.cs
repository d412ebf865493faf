using Parp.Audio;
using Parp.Tests.Support;

namespace Parp.Tests.Audio;

public class BadAudioTests
{
    [Fact]
    public void Missing_file_names_the_file()
    {
        var e = Assert.Throws<AudioException>(() => AudioFile.Load("/nonexistent/clip.wav"));
        Assert.Contains("/nonexistent/clip.wav", e.Message);
        Assert.Contains("not found", e.Message);
    }

    [Fact]
    public void Empty_file_is_rejected()
    {
        using var dir = new TempDir();
        var path = dir.File("empty.wav");
        File.WriteAllBytes(path, []);
        var e = Assert.Throws<AudioException>(() => AudioFile.Load(path));
        Assert.Contains("empty", e.Message);
        Assert.Equal(path, e.Path);
    }

    [Fact]
    public void Wav_without_samples_is_rejected()
    {
        using var dir = new TempDir();
        var path = dir.File("silent.wav");
        Signals.WriteWav(path, [Array.Empty<float>()], 16000, 16, false);
        var e = Assert.Throws<AudioException>(() => AudioFile.Load(path));
        Assert.Contains("no audio samples", e.Message);
    }

    [Fact]
    public void Text_file_is_an_unknown_format()
    {
        using var dir = new TempDir();
        var path = dir.File("notes.wav");
        File.WriteAllText(path, "hello, this is not audio");
        var e = Assert.Throws<AudioException>(() => AudioFile.Load(path));
        Assert.Contains("unknown audio format", e.Message);
    }

    [Fact]
    public void Truncated_riff_header_is_unreadable()
    {
        using var dir = new TempDir();
        var path = dir.File("cut.wav");
        File.WriteAllBytes(path, "RIFF\x10\0\0\0WAVEfmt "u8.ToArray());
        var e = Assert.Throws<AudioException>(() => AudioFile.Load(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Clip_shorter_than_the_receptive_field_is_rejected_when_a_minimum_is_given()
    {
        using var dir = new TempDir();
        var path = dir.File("short.wav");
        Signals.WriteWav(path, [Signals.Sine(300, 16000, 399)], 16000, 16, false);
        int field = AudioFile.ReceptiveField([10, 3, 3, 3, 3, 2, 2], [5, 2, 2, 2, 2, 2, 2]);

        Assert.Equal(400, field);
        var e = Assert.Throws<AudioException>(() => AudioFile.Load(path, new AudioLoadOptions { MinSamples = field }));
        Assert.Contains("too short: 399 samples", e.Message);
        Assert.Equal(399, AudioFile.Load(path).Length); // without a minimum the clip loads
    }
}
