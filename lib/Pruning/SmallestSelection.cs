using static TorchSharp.torch;

namespace Parp.Pruning;

/// <summary>How the exact k-th smallest magnitude is found; both give identical masks.</summary>
public enum SelectionStrategy
{
    /// <summary>Bracket the threshold from a fixed-seed sample, then count and sort only the values inside the bracket
    /// (two cheap passes); when the bracket misses, fall back to <see cref="Bucketed"/>.</summary>
    Auto,
    /// <summary>Narrow the threshold's bit pattern with 4,096-bucket histograms (three passes, then the masks).</summary>
    Bucketed,
}

/// <summary>
/// Exact selection of the k smallest magnitudes over many tensors without concatenating or sorting them all.
/// <para>
/// The threshold T is the k-th smallest score (|value| as float32). <see cref="SelectionStrategy.Auto"/> sorts a sample
/// of about 2^20 scores to bracket T in [a, b] with a wide statistical margin, then one pass counts the scores below a
/// and gathers those in [a, b] with their flat indices; when below &lt; k ≤ below + |band| the band (a small fraction of
/// N) is sorted stably and T read off exactly. Otherwise the bucketed search runs: non-negative float32 values order
/// like their bit patterns read as integers, so T is found by narrowing an interval of bit patterns with 4,096-bucket
/// counts (bucketize + bincount per tensor), three passes. Either way, memory is a few temporaries the size of the
/// largest tensor, never N, and everything runs on the tensors' own device.
/// </para>
/// <para>
/// Ties at T are broken by flat index in pool order (tensor order, then row-major), so the result is deterministic on
/// every device. Values already at zero have the smallest magnitude and are pruned first; entries marked as already
/// pruned rank before everything (score −1).
/// </para>
/// </summary>
static class SmallestSelection
{
    const int Buckets = 4096;
    const long MaxOrdinal = 0x7F800000;    // +infinity; NaN is rejected before
    const int SampleSize = 1 << 20;

    /// <summary>Kept masks (true = kept) with exactly <paramref name="k"/> entries pruned: those of smallest |value|.
    /// <paramref name="alreadyPruned"/> (optional, per tensor) are pruned whatever their value and count towards k.</summary>
    public static List<Tensor> KeepAllButSmallest(IReadOnlyList<(string Name, Tensor Values)> tensors, long k,
                                                  IReadOnlyList<Tensor>? alreadyPruned = null, SelectionStrategy strategy = SelectionStrategy.Auto)
    {
        long n = tensors.Sum(t => t.Values.NumberOfElements);
        if (k < 0 || k > n) throw new ArgumentOutOfRangeException(nameof(k), $"cannot prune {k} of {n} values");
        using var noGrad = no_grad();
        foreach (var (name, v) in tensors)
        {
            if (v.dtype == ScalarType.Float64)
                throw new PruningException($"'{name}' is float64: magnitude selection works on float32, float16 and bfloat16 values (float32 holds them exactly)");
            if (!v.is_floating_point()) throw new PruningException($"'{name}' has dtype {v.dtype}, not floating point");
            using var scope = NewDisposeScope();
            if (v.isnan().any().item<bool>()) throw new PruningException($"'{name}' contains NaN: magnitude pruning needs finite values");
        }
        if (k == 0) return BuildMasks(tensors, alreadyPruned, float.NegativeInfinity, 0, none: true);
        if (strategy == SelectionStrategy.Auto && Bracketed(tensors, alreadyPruned, k, n) is var (t, ties))
            return BuildMasks(tensors, alreadyPruned, t, ties, none: false);
        var (threshold, tiesToPrune) = BucketedThreshold(tensors, alreadyPruned, k);
        return BuildMasks(tensors, alreadyPruned, threshold, tiesToPrune, none: false);
    }

    /// <summary>T and the number of ties at T to prune, from a sample bracket; null when the bracket misses T.</summary>
    static (float Threshold, long Ties)? Bracketed(IReadOnlyList<(string Name, Tensor Values)> tensors, IReadOnlyList<Tensor>? alreadyPruned, long k, long n)
    {
        using var scope = NewDisposeScope();
        var g = new Generator(0x5eed);                          // a fixed sample: the same work on every call
        var parts = new List<Tensor>();
        for (int i = 0; i < tensors.Count; i++)
        {
            var v = tensors[i].Values;
            long take = Math.Max(1, (long)Math.Ceiling((double)SampleSize * v.NumberOfElements / n));
            var idx = randint(0, v.NumberOfElements, [take], generator: g).to(v.device);
            var picked = v.detach().flatten().take(idx).abs().to_type(ScalarType.Float32);    // sample first, then |·|
            if (alreadyPruned is not null) picked = picked.masked_fill(alreadyPruned[i].to(v.device).flatten().take(idx), BelowEveryMagnitude);
            parts.Add(picked.cpu());
        }
        var sample = cat(parts).sort().Values;
        long m = sample.NumberOfElements;
        double q = (double)k / n, rank = q * m, margin = 6 * Math.Sqrt(m * q * (1 - q)) + 64;
        float a = rank - margin < 0 ? float.NegativeInfinity : sample[(long)(rank - margin)].item<float>();
        float b = rank + margin >= m ? float.PositiveInfinity : sample[(long)(rank + margin)].item<float>();

        // Counts below a, at a, at b, and the values strictly inside (a, b): tie masses at the edges (the exact zeros of
        // a model already pruned, say) are counted, never gathered or sorted.
        long below = 0, atA = 0, atB = 0;
        var band = new List<Tensor>();
        for (int i = 0; i < tensors.Count; i++)
        {
            using var inner = NewDisposeScope();
            var score = Score(tensors[i].Values, alreadyPruned?[i]);
            below += (score < a).sum().item<long>();
            atA += (score == a).sum().item<long>();
            if (b != a) atB += (score == b).sum().item<long>();
            var where = (score > a).logical_and(score < b).nonzero().flatten();      // faster than masked_select on CPU
            band.Add(score.index_select(0, where).cpu().MoveToOuterDisposeScope());
            if (band.Sum(t => t.NumberOfElements) > n / 16 + SampleSize) return null;   // a wild bracket: not worth sorting
        }
        var values = cat(band);
        if (below >= k) return null;                                           // T < a: the bracket missed
        if (below + atA >= k) return (a, k - below);                           // T = a
        long inside = values.NumberOfElements;
        if (below + atA + inside >= k)
        {
            float t = values.sort().Values[k - below - atA - 1].item<float>();
            return (t, k - below - atA - (values < t).sum().item<long>());
        }
        if (below + atA + inside + atB >= k) return (b, k - below - atA - inside);   // T = b
        return null;                                                           // T > b
    }

    static (float Threshold, long Ties) BucketedThreshold(IReadOnlyList<(string Name, Tensor Values)> tensors, IReadOnlyList<Tensor>? alreadyPruned, long k)
    {
        long lo = -1, hi = MaxOrdinal, below = 0;       // invariant: T in [lo, hi], below = #(score < value(lo))
        while (lo < hi)
        {
            long span = hi - lo;
            int m = (int)Math.Min(Buckets - 1, span);
            var bounds = new float[m];
            for (int j = 1; j <= m; j++) bounds[j - 1] = ValueOf(lo + (j * span + m - 1) / m);   // strictly increasing, last = hi
            var counts = CountBuckets(tensors, alreadyPruned, bounds);
            long cum = counts[0];                                    // #(score < bounds[0])
            int hit = -1;
            for (int j = 1; j <= m; j++)
            {
                if (cum >= k) { hit = j; break; }
                if (j < m) cum += counts[j];
            }
            if (hit < 0) { below = cum; lo = hi; break; }            // T >= bounds[m-1] = hi
            long prev = hit == 1 ? lo : lo + ((hit - 1) * span + m - 1) / m;
            long prevBelow = hit == 1 ? below : cum - counts[hit - 1];
            hi = lo + (hit * span + m - 1) / m - 1;
            lo = prev;
            below = prevBelow;
        }
        return (ValueOf(lo), k - below);
    }

    static float ValueOf(long ordinal) => ordinal < 0 ? -1f : BitConverter.Int32BitsToSingle((int)ordinal);

    static Tensor Score(Tensor v, Tensor? pruned)
    {
        var s = v.detach().abs().to_type(ScalarType.Float32).flatten();
        return pruned is null ? s : s.masked_fill(pruned.to(v.device).flatten(), BelowEveryMagnitude);
    }

    // A Scalar that lives as long as the process: an implicit one made per call can be finalised by the GC while
    // LibTorch still reads it (see Encoder.Forward).
    static readonly TorchSharp.Scalar BelowEveryMagnitude = TorchSharp.ScalarExtensionMethods.ToScalar(-1f);

    static long[] CountBuckets(IReadOnlyList<(string Name, Tensor Values)> tensors, IReadOnlyList<Tensor>? alreadyPruned, float[] bounds)
    {
        var total = new long[bounds.Length + 1];
        var byDevice = new Dictionary<string, Tensor>();
        using var scope = NewDisposeScope();
        for (int i = 0; i < tensors.Count; i++)
        {
            var v = tensors[i].Values;
            using var inner = NewDisposeScope();
            var score = Score(v, alreadyPruned?[i]);
            var key = v.device.ToString();
            if (!byDevice.TryGetValue(key, out var acc))
            {
                acc = zeros(bounds.Length + 1, ScalarType.Int64, device: v.device);
                byDevice[key] = acc.MoveToOuterDisposeScope();
            }
            var bucketsOfBounds = tensor(bounds, device: v.device);
            acc.add_(bincount(bucketize(score, bucketsOfBounds, false, true), minlength: bounds.Length + 1));
        }
        foreach (var acc in byDevice.Values)
        {
            var c = acc.cpu().data<long>().ToArray();
            for (int j = 0; j < total.Length; j++) total[j] += c[j];
        }
        return total;
    }

    static List<Tensor> BuildMasks(IReadOnlyList<(string Name, Tensor Values)> tensors, IReadOnlyList<Tensor>? alreadyPruned,
                                   float threshold, long tiesToPrune, bool none)
    {
        var result = new List<Tensor>(tensors.Count);
        for (int i = 0; i < tensors.Count; i++)
        {
            var v = tensors[i].Values;
            using var scope = NewDisposeScope();
            Tensor kept;
            if (none) kept = ones_like(v, ScalarType.Bool);
            else
            {
                var score = Score(v, alreadyPruned?[i]);
                var pruned = score < threshold;
                if (tiesToPrune > 0)
                {
                    var eq = score == threshold;
                    long ties = eq.sum().item<long>();
                    if (ties <= tiesToPrune) pruned = pruned.logical_or(eq);
                    else pruned = pruned.logical_or(eq.logical_and(eq.cumsum(0, ScalarType.Int64) <= tiesToPrune));
                    tiesToPrune -= Math.Min(ties, tiesToPrune);
                }
                kept = pruned.logical_not().reshape(v.shape);
            }
            result.Add(kept.MoveToOuterDisposeScope());
        }
        return result;
    }
}
