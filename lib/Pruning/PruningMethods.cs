using static TorchSharp.torch;

namespace Parp.Pruning;

/// <summary>
/// The masks of the one-shot methods (docs/paper.md §3). Each is a global magnitude mask of some weights; what differs is
/// which weights, and what is fine-tuned afterwards (with <see cref="FixedMaskCallback"/> or <see cref="ParpCallback"/>).
/// </summary>
public static class PruningMethods
{
    /// <summary>MPI (docs/paper.md §3.2): the mask of the pre-trained weights θ0. Also PARP's default initial mask.</summary>
    public static Mask Mpi(nn.Module pretrained, double sparsity, string sourceModel = "θ0", PoolSpec? spec = null)
    {
        var pool = PrunablePool.Of(pretrained, spec);
        return GlobalMagnitudePruning.ComputeMask(pool, sparsity, new MaskInfo("mpi", sparsity, sourceModel, 0, pool.Spec.Name));
    }

    /// <summary>OMP (docs/paper.md §3.3): the mask of the dense fine-tuned weights θ_ft, to be applied to θ0 (rewind) and fine-tuned
    /// with the mask fixed. Also the cross-lingual initial mask (docs/paper.md §3.9): another language's OMP mask.</summary>
    public static Mask Omp(nn.Module fineTuned, double sparsity, string sourceModel = "θ_ft", PoolSpec? spec = null)
    {
        var pool = PrunablePool.Of(fineTuned, spec);
        return GlobalMagnitudePruning.ComputeMask(pool, sparsity, new MaskInfo("omp", sparsity, sourceModel, 0, pool.Spec.Name));
    }

    /// <summary>
    /// Random pruning (docs/paper.md §3.5): exactly round(s·N) entries pruned uniformly at random (reproducible from
    /// <paramref name="seed"/> on any device): the smallest of uniform scores, one per entry. (The official code prunes
    /// a randomly initialised model, whose zero biases all go first; docs/paper.md §3.5.)
    /// </summary>
    public static Mask Random(nn.Module model, double sparsity, ulong seed, PoolSpec? spec = null)
    {
        var pool = PrunablePool.Of(model, spec);
        var g = new Generator(seed);
        using var scope = NewDisposeScope();
        var scores = pool.Entries.Select(e => (e.Name, rand(e.Shape, generator: g).to(e.Parameter.device))).ToList();
        var mask = GlobalMagnitudePruning.ComputeMask(scores, sparsity, new MaskInfo("random", sparsity, $"seed {seed}", 0, pool.Spec.Name));
        foreach (var n in mask.Names) mask[n].MoveToOuterDisposeScope();
        return mask;
    }
}
