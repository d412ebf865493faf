using Parp.Training;
using static TorchSharp.torch;

namespace Parp.Pruning;

/// <summary>
/// The fixed-mask regime (MPI, OMP, IMP, random, fixed cross-lingual transfer; docs/paper.md §2.4, §12.2): pruned
/// entries are zeroed at the start, their gradients are zeroed before the gradient-norm clip of every update (so the
/// clip counts only the gradients applied, and Adam's moments for them stay 0), and the weights are multiplied by the
/// mask in place after every step, which holds them at exactly 0 whatever the optimizer does (weight decay, say). No hooks: a fused kernel cannot bypass this (docs/paper.md §11.1).
/// </summary>
public sealed class FixedMaskCallback : IPruningCallback, IDisposable
{
    const string StateKey = "fixed_mask/";
    readonly PoolSpec spec;
    Mask mask;
    PrunablePool? pool;
    TorchSharp.torch.nn.Module? boundModel;
    List<(Tensor Parameter, Tensor Mask)> pairs = [];

    /// <param name="mask">Taken over by the callback (disposed with it).</param>
    /// <param name="spec">The pool the mask is over (default: the paper's).</param>
    public FixedMaskCallback(Mask mask, PoolSpec? spec = null)
    {
        this.mask = mask;
        this.spec = spec ?? PoolSpec.Paper;
    }

    public Mask Mask => mask;
    public Mask InitialMask => mask;
    public Mask FinalMask => mask;

    public void OnTrainingStart(TrainingState state)
    {
        Bind(state.Model);
        using var _ = no_grad();
        foreach (var (p, m) in pairs) p.mul_(m);
    }

    public void BeforeGradientClip(TrainingState state)
    {
        Bind(state.Model);
        using var _ = no_grad();
        foreach (var (p, m) in pairs) p.grad?.mul_(m);
    }

    public void AfterOptimizerStep(TrainingState state)
    {
        Bind(state.Model);
        using var _ = no_grad();
        foreach (var (p, m) in pairs) p.mul_(m);
    }

    public IReadOnlyDictionary<string, Tensor> StateToSave() => mask.Names.ToDictionary(n => StateKey + n, n => mask[n]);

    public void RestoreState(IReadOnlyDictionary<string, Tensor> state)
    {
        var restored = state.Where(kv => kv.Key.StartsWith(StateKey, StringComparison.Ordinal))
            .Select(kv => KeyValuePair.Create(kv.Key[StateKey.Length..], kv.Value.to_type(ScalarType.Bool).clone())).ToList();
        if (restored.Count == 0) throw new PruningException("the checkpoint holds no fixed mask (no 'fixed_mask/' entries) to restore");
        var old = mask;
        mask = new Mask(restored, old.Info);
        old.Dispose();
        pool = null;
    }

    /// <summary>Resolves the pool once per model and moves the mask to each parameter's device once (not every step).</summary>
    void Bind(TorchSharp.torch.nn.Module model)
    {
        if (pool is not null && ReferenceEquals(model, boundModel)) return;
        pool = PrunablePool.Of(model, spec);
        boundModel = model;
        mask.CheckMatches(pool);
        foreach (var (_, m) in pairs) m.Dispose();
        pairs = pool.Entries.Select(e => ((Tensor)e.Parameter, mask[e.Name].to(e.Parameter.device).to_type(e.Parameter.dtype).DetachFromDisposeScope())).ToList();
    }

    public void Dispose()
    {
        foreach (var (_, m) in pairs) m.Dispose();
        mask.Dispose();
    }
}
