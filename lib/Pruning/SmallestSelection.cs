using static TorchSharp.torch;

namespace Parp.Pruning;

/// <summary>
/// Exact selection of the k smallest magnitudes over many tensors without concatenating or sorting them.
/// <para>
/// Non-negative float32 values order like their bit patterns read as integers, so the k-th smallest magnitude T is
/// found by narrowing an interval of bit patterns ("ordinals"): each pass counts the values falling in 4,096 sub-intervals
/// (bucketize + bincount per tensor, on the tensors' own device) and keeps the one holding the k-th value. Three passes
/// pin T exactly; a fourth builds the masks. Memory: a few temporaries the size of the largest tensor, never N.
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

    /// <summary>Kept masks (true = kept) with exactly <paramref name="k"/> entries pruned: those of smallest |value|.
    /// <paramref name="alreadyPruned"/> (optional, per tensor) are pruned whatever their value and count towards k.</summary>
    public static List<Tensor> KeepAllButSmallest(IReadOnlyList<(string Name, Tensor Values)> tensors, long k, IReadOnlyList<Tensor>? alreadyPruned = null)
    {
        long n = tensors.Sum(t => t.Values.NumberOfElements);
        if (k < 0 || k > n) throw new ArgumentOutOfRangeException(nameof(k), $"cannot prune {k} of {n} values");
        using var noGrad = no_grad();
        foreach (var (name, v) in tensors)
        {
            if (v.dtype == ScalarType.Float64)
                throw new PruningException($"'{name}' is float64: magnitude selection works on float32, float16 and bfloat16 values (float32 holds them exactly)");
            if (!v.is_floating_point()) throw new PruningException($"'{name}' has dtype {v.dtype}, not floating point");
        }

        long lo = -1, hi = MaxOrdinal, below = 0;       // invariant: T in [lo, hi], below = #(score < value(lo))
        if (k > 0)
        {
            bool first = true;
            while (lo < hi)
            {
                long span = hi - lo;
                int m = (int)Math.Min(Buckets - 1, span);
                var bounds = new float[m];
                for (int j = 1; j <= m; j++) bounds[j - 1] = ValueOf(lo + (j * span + m - 1) / m);   // strictly increasing, last = hi
                var counts = CountBuckets(tensors, alreadyPruned, bounds, checkNaN: first);
                first = false;
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
        }
        return BuildMasks(tensors, alreadyPruned, k == 0 ? float.NegativeInfinity : ValueOf(lo), k - below, k == 0);
    }

    static float ValueOf(long ordinal) => ordinal < 0 ? -1f : BitConverter.Int32BitsToSingle((int)ordinal);

    static Tensor Score(Tensor v, Tensor? pruned)
    {
        var s = v.detach().abs().to_type(ScalarType.Float32).flatten();
        return pruned is null ? s : s.masked_fill(pruned.to(v.device).flatten(), -1f);
    }

    static long[] CountBuckets(IReadOnlyList<(string Name, Tensor Values)> tensors, IReadOnlyList<Tensor>? alreadyPruned, float[] bounds, bool checkNaN)
    {
        var total = new long[bounds.Length + 1];
        var byDevice = new Dictionary<string, Tensor>();
        using var scope = NewDisposeScope();
        for (int i = 0; i < tensors.Count; i++)
        {
            var (name, v) = tensors[i];
            using var inner = NewDisposeScope();
            var score = Score(v, alreadyPruned?[i]);
            if (checkNaN && score.isnan().any().item<bool>()) throw new PruningException($"'{name}' contains NaN: magnitude pruning needs finite values");
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
