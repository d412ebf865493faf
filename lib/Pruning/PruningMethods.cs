using Parp.Runtime;
using static TorchSharp.torch;

namespace Parp.Pruning;

/// <summary>
/// The masks of the one-shot methods (PARP-SPEC §3). Each is a global magnitude mask of some weights; what differs is
/// which weights, and what is fine-tuned afterwards (with <see cref="FixedMaskCallback"/> or <see cref="ParpCallback"/>).
/// </summary>
public static class PruningMethods
{
    /// <summary>MPI (§3.2): the mask of the pre-trained weights θ0. Also PARP's default initial mask.</summary>
    public static Mask Mpi(nn.Module pretrained, double sparsity, string sourceModel = "θ0", PoolSpec? spec = null)
    {
        var pool = PrunablePool.Of(pretrained, spec);
        return GlobalMagnitudePruning.ComputeMask(pool, sparsity, new MaskInfo("mpi", sparsity, sourceModel, 0, pool.Spec.Name));
    }

    /// <summary>OMP (§3.3): the mask of the dense fine-tuned weights θ_ft, to be applied to θ0 (rewind) and fine-tuned
    /// with the mask fixed. Also the cross-lingual initial mask (§3.9): another language's OMP mask.</summary>
    public static Mask Omp(nn.Module fineTuned, double sparsity, string sourceModel = "θ_ft", PoolSpec? spec = null)
    {
        var pool = PrunablePool.Of(fineTuned, spec);
        return GlobalMagnitudePruning.ComputeMask(pool, sparsity, new MaskInfo("omp", sparsity, sourceModel, 0, pool.Spec.Name));
    }

    /// <summary>
    /// Random pruning (§3.5): exactly round(s·N) entries pruned uniformly at random (reproducible from
    /// <paramref name="seed"/> on any device). <paramref name="biasesFirst"/> reproduces the official code's quirk (it
    /// prunes a randomly initialised model whose biases are all zero): every bias goes first, then random weights.
    /// </summary>
    public static Mask Random(nn.Module model, double sparsity, ulong seed, bool biasesFirst = false, PoolSpec? spec = null)
    {
        var pool = PrunablePool.Of(model, spec);
        var g = new Generator(seed);
        using var scope = NewDisposeScope();
        // Scores in [0, 1) (biases with the quirk) or [1, 2): the selection prunes the smallest, so biases go first.
        var scores = pool.Entries.Select(e =>
        {
            var u = rand(e.Shape, generator: g);
            if (!biasesFirst || !e.Name.EndsWith(".bias", StringComparison.Ordinal)) u = u.Plus(biasesFirst ? 1.0 : 0.0);
            return (e.Name, u.to(e.Parameter.device));
        }).ToList();
        var mask = GlobalMagnitudePruning.ComputeMask(scores, sparsity,
            new MaskInfo(biasesFirst ? "random-biases-first" : "random", sparsity, $"seed {seed}", 0, pool.Spec.Name));
        foreach (var n in mask.Names) mask[n].MoveToOuterDisposeScope();
        return mask;
    }
}
