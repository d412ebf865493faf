using NAudio.Wave;

namespace Parp.Audio;

/// <summary>
/// WAV through NAudio: PCM 8/16/24/32-bit, IEEE float 32/64-bit and WAVE_FORMAT_EXTENSIBLE, any rate,
/// any channel count (averaged to mono).
/// </summary>
public static class WavDecoder
{
    public static DecodedAudio Decode(string path)
    {
        using var stream = OpenOrThrow(path);
        return Decode(stream, path);
    }

    /// <param name="stream">A WAV file's bytes, from the start of the RIFF header.</param>
    /// <param name="name">Used in error messages only (a file path, or "stdout of flac" for pipes).</param>
    public static DecodedAudio Decode(Stream stream, string name)
    {
        WaveFileReader reader;
        try { reader = new WaveFileReader(stream); }
        catch (Exception e) when (e is FormatException or InvalidDataException or EndOfStreamException or ArgumentException)
        {
            throw new AudioException(name, $"not a readable WAV file ({e.Message})", e);
        }
        using (reader)
        {
            var format = reader.WaveFormat;
            ISampleProvider provider;
            try { provider = reader.ToSampleProvider(); }
            catch (ArgumentException e)
            {
                throw new AudioException(name,
                    $"unsupported WAV encoding {format.Encoding} with {format.BitsPerSample} bits per sample " +
                    "(supported: PCM 8/16/24/32-bit and IEEE float 32/64-bit)", e);
            }
            int channels = format.Channels;
            long frames = reader.SampleCount; // NAudio: sample frames (per channel)
            var interleaved = new float[checked((int)(frames * channels))];
            int read = 0;
            while (read < interleaved.Length)
            {
                int n = provider.Read(interleaved.AsSpan(read));
                if (n == 0) break; // a truncated data chunk: keep what is there
                read += n;
            }
            var mono = DecodedAudio.DownmixInterleaved(interleaved.AsSpan(0, read - read % channels), channels);
            return new DecodedAudio(mono, format.SampleRate);
        }
    }

    internal static FileStream OpenOrThrow(string path)
    {
        try { return File.OpenRead(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AudioException(path, $"cannot open ({e.Message})", e);
        }
    }
}
