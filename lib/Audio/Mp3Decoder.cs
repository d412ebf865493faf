using NLayer;

namespace Parp.Audio;

/// <summary>
/// MP3 (CommonVoice clips) through NLayer, a fully managed decoder: no native codec to install.
/// </summary>
public static class Mp3Decoder
{
    public static DecodedAudio Decode(string path)
    {
        using var stream = WavDecoder.OpenOrThrow(path);
        try
        {
            using var mpeg = new MpegFile(stream);
            int channels = mpeg.Channels;
            var chunks = new List<float[]>();
            var buffer = new float[16384 * channels];
            int total = 0, n;
            while ((n = mpeg.ReadSamples(buffer, 0, buffer.Length)) > 0)
            {
                chunks.Add(buffer[..n]);
                total += n;
            }
            var interleaved = new float[total];
            int at = 0;
            foreach (var c in chunks) { c.CopyTo(interleaved, at); at += c.Length; }
            return new DecodedAudio(DecodedAudio.DownmixInterleaved(interleaved, channels), mpeg.SampleRate);
        }
        catch (Exception e) when (e is not AudioException)
        {
            throw new AudioException(path, $"not a readable MP3 file ({e.Message})", e);
        }
    }
}
