using static TorchSharp.torch;

namespace Parp.Models;

/// <summary>
/// Span masks for SpecAugment-style time and channel masking and for pre-training. Random draws come from a torch
/// <see cref="Generator"/> (CPU) when given, so a seeded generator gives the same masks on every machine.
/// </summary>
public static class SpanMasking
{
    /// <summary>
    /// A [batch, size] mask of spans of <paramref name="spanLength"/>. <paramref name="lengths"/> are the unpadded
    /// sizes per row (null: all <paramref name="size"/>); masks never reach past a row's length.
    /// </summary>
    public static bool[,] Compute(SpanMaskStyle style, int batch, int size, double prob, int spanLength, int minMasks,
        IReadOnlyList<long>? lengths = null, Generator? generator = null)
    {
        if (spanLength < 1) throw new ArgumentOutOfRangeException(nameof(spanLength), "span length must be at least 1");
        if (lengths is not null && lengths.Count != batch) throw new ArgumentException($"{lengths.Count} lengths for a batch of {batch}");
        var rows = Enumerable.Range(0, batch).Select(b => (int)Math.Min(lengths?[b] ?? size, size)).ToArray();
        var rng = new Draws(generator);
        return style == SpanMaskStyle.Fairseq
            ? Fairseq(size, rows, prob, spanLength, minMasks, lengths is not null, rng)
            : HuggingFace(size, rows, prob, spanLength, minMasks, rng);
    }

    /// <summary><see cref="Compute"/> as a bool tensor on <paramref name="device"/>.</summary>
    public static Tensor ComputeTensor(SpanMaskStyle style, int batch, int size, double prob, int spanLength, int minMasks,
        IReadOnlyList<long>? lengths = null, Generator? generator = null, Device? device = null)
    {
        var m = Compute(style, batch, size, prob, spanLength, minMasks, lengths, generator);
        var flat = new bool[batch * size];
        Buffer.BlockCopy(m, 0, flat, 0, flat.Length);
        return tensor(flat, [batch, size], device: device);
    }

    // fairseq compute_mask_indices (mask_type static, no_overlap false), as docs/paper.md §8 describes it.
    static bool[,] Fairseq(int size, int[] rows, double prob, int len, int minMasks, bool padded, Draws rng)
    {
        int batch = rows.Length;
        int allNum = Math.Max(minMasks, (int)(prob * size / len + rng.Uniform()));
        var chosen = new List<int[]>();
        foreach (int sz in rows)
        {
            int num = padded ? Math.Max(minMasks, (int)(prob * sz / len + rng.Uniform())) : allNum;
            if (num == 0 || sz == 0) { chosen.Add([]); continue; }
            int minLen = len;
            if (sz - minLen <= num) minLen = sz - num - 1;
            var starts = rng.Choice(sz - minLen, Math.Min(num, sz - minLen));
            chosen.Add(starts.SelectMany(s => Enumerable.Range(s, len)).Where(i => i < sz).Distinct().Order().ToArray());
        }
        // Every row ends with the same number of masked entries: the smallest, by random subsampling.
        int keep = chosen.Min(c => c.Length);
        var mask = new bool[batch, size];
        for (int b = 0; b < batch; b++)
        {
            var idx = chosen[b];
            if (idx.Length > keep) idx = rng.Choice(idx.Length, keep).Select(i => idx[i]).ToArray();
            foreach (int i in idx) mask[b, i] = true;
        }
        return mask;
    }

    // transformers _compute_mask_indices: one epsilon per batch, starts in {0..L-len}, spans clipped at the end.
    static bool[,] HuggingFace(int size, int[] rows, double prob, int len, int minMasks, Draws rng)
    {
        if (len > size) throw new ArgumentException($"span length {len} is longer than the sequence ({size})");
        double eps = rng.Uniform();
        int NumSpans(int inputLength)
        {
            int n = Math.Max((int)(prob * inputLength / len + eps), minMasks);
            if (n * len > size) n = size / len;
            if (inputLength - (len - 1) < n) n = Math.Max(inputLength - (len - 1), 0);
            return n;
        }
        var mask = new bool[rows.Length, size];
        if (NumSpans(size) == 0) return mask;
        for (int b = 0; b < rows.Length; b++)
        {
            int n = NumSpans(rows[b]);
            foreach (int s in rng.Choice(Math.Max(rows[b] - (len - 1), 0), n))
                for (int i = s; i < s + len; i++) mask[b, Math.Min(i, size - 1)] = true;
        }
        return mask;
    }

    /// <summary>Uniform draws and choices without replacement from one generator.</summary>
    sealed class Draws(Generator? generator)
    {
        public double Uniform()
        {
            using var u = rand(1, dtype: ScalarType.Float64, generator: generator);
            return u.item<double>();
        }

        /// <summary>k distinct values from {0..n-1}, in random order.</summary>
        public int[] Choice(int n, int k)
        {
            if (k <= 0 || n <= 0) return [];
            if (k > n) throw new ArgumentException($"cannot choose {k} distinct values from {n}");
            using var p = randperm(n, generator: generator);
            return p.data<long>().Take(k).Select(v => (int)v).ToArray();
        }
    }
}
