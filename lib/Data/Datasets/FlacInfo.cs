namespace Parp.Data.Datasets;

/// <summary>
/// Sample rate, channels and length of a FLAC file from its STREAMINFO block (the first 42 bytes), so a
/// manifest of thousands of files is built without decoding any audio.
/// </summary>
public readonly record struct FlacInfo(int SampleRate, int Channels, int BitsPerSample, long TotalSamples)
{
    public static FlacInfo Read(string path)
    {
        Span<byte> b = stackalloc byte[42];
        using (var s = File.OpenRead(path))
            if (s.ReadAtLeast(b, 42, throwOnEndOfStream: false) < 42)
                throw new Audio.AudioException(path, "too short for a FLAC file");
        if (!b[..4].SequenceEqual("fLaC"u8)) throw new Audio.AudioException(path, "not a FLAC file (no fLaC marker)");
        if ((b[4] & 0x7F) != 0) throw new Audio.AudioException(path, "FLAC file does not start with STREAMINFO");
        // STREAMINFO starts at byte 8: block sizes (4 bytes), frame sizes (6), then 20 bits rate, 3 bits
        // channels − 1, 5 bits bits-per-sample − 1, 36 bits total samples.
        int rate = (b[18] << 12) | (b[19] << 4) | (b[20] >> 4);
        int channels = ((b[20] >> 1) & 0x7) + 1;
        int bits = (((b[20] & 1) << 4) | (b[21] >> 4)) + 1;
        long total = ((long)(b[21] & 0xF) << 32) | ((long)b[22] << 24) | ((long)b[23] << 16) | ((long)b[24] << 8) | b[25];
        if (rate == 0 || total == 0)
            throw new Audio.AudioException(path, $"FLAC STREAMINFO gives rate {rate} and {total} samples (unknown lengths are not supported)");
        return new(rate, channels, bits, total);
    }
}
