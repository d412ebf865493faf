using NAudio.Wave;

namespace Parp.Tests.Support;

public static class Signals
{
    public static float[] Sine(double hz, int rate, int n, double amplitude = 0.5, double phase = 0)
    {
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float)(amplitude * Math.Sin(2 * Math.PI * hz * i / rate + phase));
        return x;
    }

    public static double Rms(ReadOnlySpan<float> x)
    {
        double s = 0;
        foreach (var v in x) s += (double)v * v;
        return Math.Sqrt(s / Math.Max(1, x.Length));
    }

    /// <summary>
    /// Writes interleaved samples with the exact byte layout of each WAV sample format
    /// (8-bit is unsigned, 24-bit little-endian three bytes), so the reader is tested against real files.
    /// </summary>
    /// <param name="extensible">Write a WAVE_FORMAT_EXTENSIBLE header (what flac, sox and many editors write for 24-bit or multichannel).</param>
    public static void WriteWav(string path, float[][] channels, int rate, int bits, bool isFloat, bool extensible = false)
    {
        int n = channels[0].Length, c = channels.Length;
        var format = (extensible, isFloat, bits) switch
        {
            (true, false, _) => new WaveFormatExtensible(rate, bits, c),
            (true, true, _) => throw new ArgumentException("NAudio writes extensible headers for PCM only"),
            (false, true, 64) => WaveFormat.CreateCustomFormat(WaveFormatEncoding.IeeeFloat, rate, c, rate * 8 * c, 8 * c, 64),
            (false, true, _) => WaveFormat.CreateIeeeFloatWaveFormat(rate, c),
            _ => new WaveFormat(rate, bits, c),
        };
        using var writer = new WaveFileWriter(path, format);
        var bytes = new List<byte>();
        for (int i = 0; i < n; i++)
            for (int ch = 0; ch < c; ch++)
            {
                double v = Math.Clamp(channels[ch][i], -1f, 1f);
                switch (isFloat, bits)
                {
                    case (true, 32): bytes.AddRange(BitConverter.GetBytes((float)v)); break;
                    case (true, 64): bytes.AddRange(BitConverter.GetBytes(v)); break;
                    case (false, 8): bytes.Add((byte)Math.Round(128 + v * 127)); break;
                    case (false, 16): bytes.AddRange(BitConverter.GetBytes((short)Math.Round(v * short.MaxValue))); break;
                    case (false, 24):
                        int s24 = (int)Math.Round(v * 8388607);
                        bytes.Add((byte)s24); bytes.Add((byte)(s24 >> 8)); bytes.Add((byte)(s24 >> 16)); break;
                    case (false, 32): bytes.AddRange(BitConverter.GetBytes((int)Math.Round(v * int.MaxValue))); break;
                    default: throw new ArgumentException($"no writer for {bits}-bit {(isFloat ? "float" : "PCM")}");
                }
            }
        writer.Write(bytes.ToArray(), 0, bytes.Count);
    }
}
