namespace Parp.Data;

/// <summary>
/// Waveforms of one batch as one padded [batch, time] block (row-major) with their true lengths and the
/// attention mask (true = real sample, false = padding), ready to become a tensor.
/// </summary>
public sealed record PaddedBatch(float[] Samples, int BatchSize, int Time, int[] Lengths)
{
    public bool[] AttentionMask()
    {
        var mask = new bool[BatchSize * Time];
        for (int b = 0; b < BatchSize; b++) Array.Fill(mask, true, b * Time, Lengths[b]);
        return mask;
    }

    public ReadOnlySpan<float> Row(int b) => Samples.AsSpan(b * Time, Lengths[b]);
}

public static class Collator
{
    /// <summary>
    /// Pads to the longest utterance (fine-tuning). With <paramref name="maxSampleSize"/>, longer utterances are
    /// first cropped to a random window of that length; with <paramref name="cropToShortest"/> every utterance is
    /// cropped to the shortest in the batch and nothing is padded (wav2vec 2.0 pre-training). The crop offsets
    /// come from <paramref name="seed"/>: pass one derived from (run seed, batch position) so a resumed run
    /// crops exactly as the interrupted one would have.
    /// </summary>
    public static PaddedBatch Collate(IReadOnlyList<float[]> waves, ulong seed, long? maxSampleSize = null, bool cropToShortest = false)
    {
        if (waves.Count == 0) throw new ArgumentException("an empty batch");
        var rng = new DeterministicRandom(seed);
        int target = cropToShortest ? waves.Min(w => w.Length) : waves.Max(w => w.Length);
        if (maxSampleSize is long m) target = (int)Math.Min(target, m);
        var lengths = new int[waves.Count];
        var data = new float[waves.Count * target];
        for (int b = 0; b < waves.Count; b++)
        {
            var w = waves[b];
            int n = Math.Min(w.Length, target);
            int start = w.Length > n ? rng.Next(0, w.Length - n + 1) : 0;
            w.AsSpan(start, n).CopyTo(data.AsSpan(b * target));
            lengths[b] = n;
        }
        return new PaddedBatch(data, waves.Count, target, lengths);
    }
}
