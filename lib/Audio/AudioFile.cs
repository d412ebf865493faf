namespace Parp.Audio;

/// <summary>How <see cref="AudioFile.Load"/> prepares a waveform for the model.</summary>
public sealed record AudioLoadOptions
{
    public int TargetSampleRate { get; init; } = 16000;

    /// <summary>Zero mean, unit variance per utterance (HF do_normalize); false for BASE/LARGE, true for LV-60/XLSR.</summary>
    public bool Normalize { get; init; }

    /// <summary>
    /// Fewer samples than this (after resampling) is an error. Use the feature encoder's receptive field
    /// (<see cref="AudioFile.ReceptiveField"/>; 400 samples for wav2vec 2.0): shorter clips give no frame at all.
    /// 0 accepts any non-empty clip.
    /// </summary>
    public int MinSamples { get; init; }

    public static AudioLoadOptions Default { get; } = new();
}

/// <summary>
/// One entry point for every corpus: WAV, FLAC or MP3 in, mono float at 16 kHz out.
/// The format is recognised from the file's first bytes, so a mis-named file still decodes.
/// </summary>
public static class AudioFile
{
    public enum Format { Wav, Flac, Mp3 }

    public static float[] Load(string path, AudioLoadOptions? options = null)
    {
        options ??= AudioLoadOptions.Default;
        var decoded = Decode(path);
        if (decoded.Samples.Length == 0) throw new AudioException(path, "contains no audio samples");
        if (decoded.SampleRate <= 0) throw new AudioException(path, $"invalid sample rate {decoded.SampleRate}");
        var samples = Resampler.Resample(decoded.Samples, decoded.SampleRate, options.TargetSampleRate);
        if (samples.Length < options.MinSamples)
            throw new AudioException(path,
                $"too short: {samples.Length} samples ({samples.Length * 1000.0 / options.TargetSampleRate:F1} ms) at " +
                $"{options.TargetSampleRate} Hz, fewer than the {options.MinSamples} samples of the feature encoder's receptive field");
        return options.Normalize ? Normalization.ZeroMeanUnitVariance(samples) : samples;
    }

    /// <summary>Decode at the file's own sample rate, downmixed to mono.</summary>
    public static DecodedAudio Decode(string path) => DetectFormat(path) switch
    {
        Format.Wav => WavDecoder.Decode(path),
        Format.Flac => FlacDecoder.Decode(path),
        _ => Mp3Decoder.Decode(path),
    };

    public static Format DetectFormat(string path)
    {
        if (!File.Exists(path)) throw new AudioException(path, "file not found");
        Span<byte> head = stackalloc byte[4];
        int n;
        using (var s = WavDecoder.OpenOrThrow(path)) n = s.ReadAtLeast(head, 4, throwOnEndOfStream: false);
        if (n == 0) throw new AudioException(path, "file is empty (0 bytes)");
        if (n >= 4 && head.SequenceEqual("RIFF"u8)) return Format.Wav;
        if (n >= 4 && head.SequenceEqual("fLaC"u8)) return Format.Flac;
        if (n >= 3 && head[..3].SequenceEqual("ID3"u8)) return Format.Mp3;
        if (n >= 2 && head[0] == 0xFF && (head[1] & 0xE0) == 0xE0) return Format.Mp3; // MPEG frame sync
        throw new AudioException(path, "unknown audio format: expected WAV (RIFF), FLAC (fLaC) or MP3 (ID3 or frame sync)");
    }

    /// <summary>
    /// Receptive field in samples of a stack of 1-D convolutions: 1 + Σ (k_i − 1) · Π_{j&lt;i} s_j.
    /// wav2vec 2.0's encoder (kernels 10,3,3,3,3,2,2; strides 5,2,2,2,2,2,2) gives 400 samples (25 ms).
    /// </summary>
    public static int ReceptiveField(IReadOnlyList<int> kernels, IReadOnlyList<int> strides)
    {
        if (kernels.Count != strides.Count) throw new ArgumentException("kernels and strides differ in length");
        int field = 1, jump = 1;
        for (int i = 0; i < kernels.Count; i++) { field += (kernels[i] - 1) * jump; jump *= strides[i]; }
        return field;
    }
}
