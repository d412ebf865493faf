namespace Parp.Audio;

/// <summary>Mono samples in [-1, 1] at their original sample rate, straight out of a decoder.</summary>
public sealed record DecodedAudio(float[] Samples, int SampleRate)
{
    public double Seconds => (double)Samples.Length / SampleRate;

    /// <summary>Average interleaved channels into one (what HF and torchaudio users do with stereo).</summary>
    public static float[] DownmixInterleaved(ReadOnlySpan<float> interleaved, int channels)
    {
        if (channels == 1) return interleaved.ToArray();
        int frames = interleaved.Length / channels;
        var mono = new float[frames];
        float scale = 1f / channels;
        for (int i = 0; i < frames; i++)
        {
            float sum = 0;
            for (int c = 0; c < channels; c++) sum += interleaved[i * channels + c];
            mono[i] = sum * scale;
        }
        return mono;
    }
}
