using static TorchSharp.torch;

namespace Parp.Pruning;

/// <summary>
/// docs/paper.md §2.3, the one pruning primitive: zero the k = round(s·N) smallest |values| of the whole pool (weights
/// and biases of every layer together, one global threshold), ties broken by flat index in pool order, zeros first.
/// Exact and memory-light for any pool size (see <see cref="SmallestSelection"/>); runs where the parameters live.
/// </summary>
public static class GlobalMagnitudePruning
{
    /// <summary>k = round(s·N), rounding half to even in double precision as Python's round (PyTorch's rule).</summary>
    public static long PrunedCount(double sparsity, long poolCount)
    {
        CheckSparsity(sparsity);
        return (long)Math.Round(sparsity * poolCount, MidpointRounding.ToEven);
    }

    /// <summary>Sparsity must lie in [0, 1): a pool pruned entirely is no model.</summary>
    public static void CheckSparsity(double sparsity, string name = "sparsity")
    {
        if (double.IsNaN(sparsity) || sparsity < 0 || sparsity >= 1)
            throw new ArgumentOutOfRangeException(name, sparsity, $"{name} must be in [0, 1) (a fraction of the pool), got {sparsity}");
    }

    /// <summary>The mask keeping all but the round(s·N) smallest |values| of the pool. The model is not changed.</summary>
    public static Mask ComputeMask(PrunablePool pool, double sparsity, MaskInfo? info = null)
    {
        long k = PrunedCount(sparsity, pool.Count);
        var kept = SmallestSelection.KeepAllButSmallest(Values(pool), k);
        return new Mask(pool.Entries.Select((e, i) => KeyValuePair.Create(e.Name, kept[i])),
                        info ?? new MaskInfo("magnitude", sparsity, Pool: pool.Spec.Name));
    }

    /// <summary>The same selection over any named tensors in the given order (for tensors outside a model).</summary>
    public static Mask ComputeMask(IReadOnlyList<(string Name, Tensor Values)> tensors, double sparsity, MaskInfo? info = null,
                                   SelectionStrategy strategy = SelectionStrategy.Auto)
    {
        long k = PrunedCount(sparsity, tensors.Sum(t => t.Values.NumberOfElements));
        var kept = SmallestSelection.KeepAllButSmallest(tensors, k, null, strategy);
        return new Mask(tensors.Select((t, i) => KeyValuePair.Create(t.Name, kept[i])), info ?? new MaskInfo("magnitude", sparsity, Pool: "custom"));
    }

    /// <summary>Computes the mask at <paramref name="sparsity"/> and zeroes the pruned values in place; returns the mask.</summary>
    public static Mask Prune(PrunablePool pool, double sparsity, MaskInfo? info = null)
    {
        var mask = ComputeMask(pool, sparsity, info);
        mask.ApplyTo(pool);
        return mask;
    }

    /// <summary>
    /// PyTorch's repeated global pruning (used by IMP): entries pruned in <paramref name="current"/> stay pruned, and
    /// round(amount × survivors) more are pruned, the smallest |values| among the survivors.
    /// </summary>
    public static Mask PruneFractionOfSurvivors(PrunablePool pool, Mask current, double amount, MaskInfo info)
    {
        if (double.IsNaN(amount) || amount < 0 || amount > 1)
            throw new ArgumentOutOfRangeException(nameof(amount), amount, "the fraction of survivors to prune must be in [0, 1]");
        current.CheckMatches(pool);
        long survivors = current.KeptCount();
        long more = (long)Math.Round(amount * survivors, MidpointRounding.ToEven);
        var alreadyPruned = pool.Entries.Select(e => current[e.Name].logical_not()).ToList();
        try
        {
            var kept = SmallestSelection.KeepAllButSmallest(Values(pool), pool.Count - survivors + more, alreadyPruned);
            return new Mask(pool.Entries.Select((e, i) => KeyValuePair.Create(e.Name, kept[i])), info);
        }
        finally { foreach (var t in alreadyPruned) t.Dispose(); }
    }

    static List<(string, Tensor)> Values(PrunablePool pool) => pool.Entries.Select(e => (e.Name, (Tensor)e.Parameter)).ToList();
}
