using System.Net;
using NAudio.Wave;

namespace Parp.Plots;

/// <summary>
/// A short piece of audio that a notebook displays as a player (the WAV embedded as base64, so the report plays it
/// offline) with a caption, e.g. the transcript. Long clips are refused: the HTML would grow by 32 kB per second.
/// </summary>
public sealed class AudioClip
{
    public const double MaxSeconds = 30;

    public AudioClip(float[] samples, int sampleRate, string caption = "")
    {
        if (samples.Length > MaxSeconds * sampleRate)
            throw new ArgumentException($"an audio clip for display is at most {MaxSeconds} s; this one is {samples.Length / (double)sampleRate:F1} s");
        Samples = samples;
        SampleRate = sampleRate;
        Caption = caption;
    }

    public float[] Samples { get; }
    public int SampleRate { get; }
    public string Caption { get; }
    public double Seconds => Samples.Length / (double)SampleRate;

    /// <summary>16-bit PCM WAV bytes of the clip (clipped to [-1, 1]).</summary>
    public byte[] ToWav()
    {
        using var memory = new MemoryStream();
        using (var writer = new WaveFileWriter(memory, new WaveFormat(SampleRate, 16, 1)))
            foreach (var s in Samples) writer.WriteSample(Math.Clamp(s, -1f, 1f));
        return memory.ToArray();
    }

    public string ToHtmlFragment() =>
        $"<figure class=\"parp-audio\" style=\"margin:.5em 0\"><audio controls src=\"data:audio/wav;base64,{Convert.ToBase64String(ToWav())}\"></audio>" +
        $"<figcaption style=\"font-size:.85em\">{WebUtility.HtmlEncode(Caption)} <i>({Seconds:F2} s, {SampleRate} Hz)</i></figcaption></figure>";
}
