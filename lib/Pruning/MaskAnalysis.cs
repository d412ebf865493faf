using TorchSharp;
using static TorchSharp.torch;

namespace Parp.Pruning;

/// <summary>Overlap of two masks over the same entries (docs/paper.md §4): kept-set and pruned-set IoU with the chance levels
/// of independent random masks at the same sparsities. <see cref="Group"/> is "all" or a layer ("layer 3").</summary>
public sealed record MaskOverlap(string Group, long Count, double SparsityA, double SparsityB,
                                 double KeptIou, double PrunedIou, double KeptChance, double PrunedChance,
                                 long KeptOnlyInB, long KeptOnlyInA);

/// <summary>Per-layer sparsity of a mask or a model's pool.</summary>
public sealed record LayerSparsity(string Group, long Count, long Pruned, double Sparsity);

/// <summary>Revived (pruned in the first mask, kept in the second) and dropped entries, per group.</summary>
public sealed record RevivedWeights(string Group, long Count, long Revived, long Dropped);

/// <summary>The weight shift of one tensor between two models (the code's ‖θ_ft − θ0‖₂ / numel, and relative to ‖θ0‖₂).</summary>
public sealed record WeightShift(string Name, long Count, double L2Distance, double DistancePerElement, double RelativeDistance);

/// <summary>Mask comparisons and weight statistics. Groups: "all" (global over the pool), then "layer i" in layer order,
/// and "other" for tensors outside the encoder layers.</summary>
public static class MaskAnalysis
{
    /// <summary>Chance kept-set IoU of independent random masks keeping fractions pA, pB: pA·pB / (pA + pB − pA·pB);
    /// at equal sparsity p/(2 − p). Pruned-set chance: the same with the sparsities.</summary>
    public static double ChanceIou(double fractionA, double fractionB)
    {
        double union = fractionA + fractionB - fractionA * fractionB;
        return union == 0 ? 1 : fractionA * fractionB / union;
    }

    /// <summary>Global and per-layer overlap of two masks over the same names and shapes.</summary>
    public static List<MaskOverlap> Overlap(Mask a, Mask b)
    {
        CheckSameEntries(a, b);
        return Grouped(a, (group, names) =>
        {
            long count = 0, keptA = 0, keptB = 0, both = 0;
            foreach (var n in names)
            {
                using var scope = NewDisposeScope();
                var ta = a[n];
                var tb = b[n].to(ta.device);
                count += ta.NumberOfElements;
                keptA += ta.sum().item<long>();
                keptB += tb.sum().item<long>();
                both += ta.logical_and(tb).sum().item<long>();
            }
            long prunedA = count - keptA, prunedB = count - keptB;
            long prunedBoth = count - (keptA + keptB - both);
            double sa = (double)prunedA / count, sb = (double)prunedB / count;
            return new MaskOverlap(group, count, sa, sb,
                Ratio(both, keptA + keptB - both), Ratio(prunedBoth, prunedA + prunedB - prunedBoth),
                ChanceIou(1 - sa, 1 - sb), ChanceIou(sa, sb), keptB - both, keptA - both);
        });
    }

    /// <summary>Revived (pruned in <paramref name="before"/>, kept in <paramref name="after"/>) and dropped, per group.</summary>
    public static List<RevivedWeights> RevivedPerLayer(Mask before, Mask after)
    {
        CheckSameEntries(before, after);
        return Grouped(before, (group, names) =>
        {
            long count = 0, revived = 0, dropped = 0;
            foreach (var n in names)
            {
                using var scope = NewDisposeScope();
                var b = before[n];
                var a = after[n].to(b.device);
                count += b.NumberOfElements;
                revived += a.logical_and(b.logical_not()).sum().item<long>();
                dropped += b.logical_and(a.logical_not()).sum().item<long>();
            }
            return new RevivedWeights(group, count, revived, dropped);
        });
    }

    /// <summary>Entries kept by <paramref name="after"/> that <paramref name="before"/> pruned (global).</summary>
    public static long Revived(Mask before, Mask after) => Changes(before, after).Revived;

    /// <summary>Entries whose state differs between two masks (churn between consecutive re-prunes).</summary>
    public static long Differing(Mask a, Mask b)
    {
        var (revived, dropped) = Changes(a, b);
        return revived + dropped;
    }

    /// <summary>Global revived (kept only in <paramref name="after"/>) and dropped (kept only in
    /// <paramref name="before"/>) counts, in one pass.</summary>
    public static (long Revived, long Dropped) Changes(Mask before, Mask after)
    {
        var (changed, revived) = ChangedAndRevived(before, before, after);
        return (revived, changed - revived);
    }

    /// <summary>PARP's log of one re-prune in one pass and one read from the device: the entries whose state differs
    /// between <paramref name="previous"/> and <paramref name="next"/> (churn), and those kept in <paramref name="next"/>
    /// that <paramref name="initial"/> pruned (revived).</summary>
    public static (long Changed, long Revived) ChangedAndRevived(Mask initial, Mask previous, Mask next)
    {
        CheckSameEntries(previous, next);
        CheckSameEntries(initial, next);
        using var counts = new DeviceCounts(4);
        foreach (var n in next.Names)
        {
            using var scope = NewDisposeScope();
            var a = next[n];
            var p = previous[n].to(a.device);
            var i = initial[n].to(a.device);
            counts.Add(a.sum(), p.sum(), a.logical_and(p).sum(), a.logical_and(i).sum());
        }
        var c = counts.Read();
        long keptNext = c[0], keptPrevious = c[1], keptInBoth = c[2], keptAlsoInitially = c[3];
        return (keptNext - keptInBoth + keptPrevious - keptInBoth, keptNext - keptAlsoInitially);
    }

    /// <summary>Pruned fraction of a mask, globally and per layer.</summary>
    public static List<LayerSparsity> SparsityPerLayer(Mask mask) => Grouped(mask, (group, names) =>
    {
        long count = names.Sum(n => mask[n].NumberOfElements);
        long kept = names.Sum(n => { using var s = NewDisposeScope(); return mask[n].sum().item<long>(); });
        return new LayerSparsity(group, count, count - kept, count == 0 ? 0 : (double)(count - kept) / count);
    });

    /// <summary>Measured sparsity (exact zeros) of a model's pool, globally and per layer.</summary>
    public static List<LayerSparsity> SparsityPerLayer(PrunablePool pool)
    {
        using var mask = Mask.OfNonZeros(pool, new MaskInfo("zeros", 0, Pool: pool.Spec.Name));
        return SparsityPerLayer(mask);
    }

    /// <summary>Per-tensor shift between two models over a pool's names (default: every parameter both have), largest
    /// first per element as in the code's analyze_distribution_shifts.py.</summary>
    public static List<WeightShift> WeightShifts(nn.Module before, nn.Module after, PoolSpec? spec = null)
    {
        var names = spec is null
            ? before.named_parameters().Select(p => p.name).ToList()
            : PrunablePool.Of(before, spec).Names.ToList();
        var a = before.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var b = after.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var mismatched = names.Where(n => !b.ContainsKey(n) || !b[n].shape.SequenceEqual(a[n].shape)).ToList();
        if (mismatched.Count > 0) throw new PruningException("the two models differ in these parameters (missing or another shape)", mismatched);
        using var _ = no_grad();
        return names.Select(n =>
        {
            using var scope = NewDisposeScope();
            var x = a[n].detach().to_type(ScalarType.Float64);
            var y = b[n].detach().to(x.device).to_type(ScalarType.Float64);
            double dist = (y - x).norm().item<double>(), norm = x.norm().item<double>();
            return new WeightShift(n, x.NumberOfElements, dist, dist / x.NumberOfElements, norm == 0 ? double.NaN : dist / norm);
        }).OrderByDescending(w => w.DistancePerElement).ToList();
    }

    static double Ratio(long num, long den) => den == 0 ? 1 : (double)num / den;

    static List<T> Grouped<T>(Mask mask, Func<string, IReadOnlyList<string>, T> measure)
    {
        var result = new List<T> { measure("all", mask.Names) };
        var byLayer = mask.Names.GroupBy(n => PrunablePool.LayerOf(n)).OrderBy(g => g.Key ?? int.MaxValue);
        foreach (var g in byLayer) result.Add(measure(g.Key is int i ? $"layer {i}" : "other", g.ToList()));
        return result;
    }

    static void CheckSameEntries(Mask a, Mask b)
    {
        var problems = a.Names.Where(n => !b.Contains(n)).Select(n => $"only in the first mask: {n}")
            .Concat(b.Names.Where(n => !a.Contains(n)).Select(n => $"only in the second mask: {n}"))
            .Concat(a.Names.Where(b.Contains).Where(n => !a[n].shape.SequenceEqual(b[n].shape)).Select(n => $"shapes differ: {n}"))
            .ToList();
        if (problems.Count > 0) throw new PruningException("the two masks cover different tensors", problems);
    }
}
