using Parp.Models;
using Parp.Pruning;
using Parp.Tests.Support;
using static TorchSharp.torch;

namespace Parp.Tests.Pruning;

/// <summary>Smoke-scale end-to-end runs of every method (docs/paper.md §3), with the minimal loop as the trainer.</summary>
public class MethodRunTests
{
    /// <summary>The IMP fine-tune delegate wired to the minimal loop: a fixed mask when given, fresh Adam each call.</summary>
    static FineTune MiniFineTune => (model, mask, updates) =>
    {
        var callbacks = new List<Parp.Training.ITrainingCallback>();
        using var fixedMask = mask is null ? null : new FixedMaskCallback(mask.WithInfo(mask.Info));
        if (fixedMask is not null) callbacks.Add(fixedMask);
        new MiniTrainer((Wav2Vec2ForCtc)model, lr: 1e-3).Run(updates, callbacks);
    };

    [Fact]
    public void Imp_adds_ten_percent_of_the_pool_per_round_saves_each_mask_and_accounts_its_cost()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDir();
        var model = PruningTestModels.Smoke();
        var pool = PrunablePool.Of(model);
        PruningTestModels.Randomize(pool, seed: 7);
        var rewind = ModelState.Snapshot(model);
        var ledger = new CostLedger();
        var rounds = IterativeMagnitudePruning.Run(model, rewind, MiniFineTune, new ImpOptions(3, 2, dir.Path), ledger);

        Assert.Equal(3, rounds.Count);
        for (int k = 1; k <= 3; k++)
        {
            Assert.Equal(k / 10.0, rounds[k - 1].MeasuredSparsity, 4);          // 10 %, 20 %, 30 % of the original pool
            using var saved = Mask.Load(rounds[k - 1].SavedTo!);
            Assert.Equal(k, saved.Info.Step);
            Assert.Equal("imp", saved.Info.Method);
            Assert.Equal(1.0, MaskAnalysis.Overlap(saved, rounds[k - 1].Mask)[0].KeptIou);
        }
        // Masks are nested: nothing pruned in an earlier round comes back.
        Assert.Equal(0, MaskAnalysis.Revived(rounds[0].Mask, rounds[1].Mask));
        Assert.Equal(0, MaskAnalysis.Revived(rounds[1].Mask, rounds[2].Mask));
        Assert.Equal(1, ledger.CostOf("imp", 0.1).FineTuningRuns);
        Assert.Equal(3, ledger.CostOf("imp", 0.3).FineTuningRuns);
        Assert.Equal(6, ledger.CostOf("imp", 0.3).Updates);
        foreach (var r in rounds) r.Mask.Dispose();
    }

    [Fact]
    public void Imp_round_count_is_checked()
    {
        var model = PruningTestModels.Smoke();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            IterativeMagnitudePruning.Run(model, ModelState.Snapshot(model), MiniFineTune, new ImpOptions(11, 1)));
        Assert.Contains("1 to 10 rounds", e.Message);
    }

    [Theory]
    [InlineData("mpi")]
    [InlineData("omp")]
    [InlineData("random")]
    public void Fixed_mask_methods_run_end_to_end_at_exact_sparsity(string method)
    {
        using var scope = NewDisposeScope();
        var model = PruningTestModels.Smoke();
        var pool = PrunablePool.Of(model);
        PruningTestModels.Randomize(pool, seed: 8);
        var theta0 = ModelState.Snapshot(model);
        const double s = 0.6;
        var ledger = new CostLedger();
        Mask mask;
        if (method == "omp")
        {
            ledger.Measure("omp", "dense", 0, 1, 3, () => new MiniTrainer(model, lr: 1e-3).Run(3, []));   // θ_ft
            mask = PruningMethods.Omp(model, s);
            ModelState.Restore(model, theta0);                                                        // rewind to θ0
        }
        else if (method == "mpi") mask = PruningMethods.Mpi(model, s);
        else mask = PruningMethods.Random(model, s, seed: 5);

        using var callback = new FixedMaskCallback(mask);
        ledger.Measure(method, "fixed-mask fine-tune", s, s, 3,
            () => new MiniTrainer(model, lr: 1e-3).Run(3, [callback]));
        Assert.Equal(GlobalMagnitudePruning.PrunedCount(s, pool.Count), pool.ZeroCount());
        using (var nonZeros = Mask.OfNonZeros(pool, mask.Info)) Assert.Equal(0, MaskAnalysis.Differing(mask, nonZeros));
        var cost = ledger.CostOf(method, s);
        Assert.Equal(cost.Method == "omp" ? 2 : 1, cost.FineTuningRuns);   // docs/paper.md §10: OMP's dense run and its own; the others one
    }

    [Fact]
    public void Random_masks_are_reproducible_from_the_seed()
    {
        using var scope = NewDisposeScope();
        var model = PruningTestModels.Smoke();
        using var a = PruningMethods.Random(model, 0.5, seed: 1);
        using var b = PruningMethods.Random(model, 0.5, seed: 1);
        using var c = PruningMethods.Random(model, 0.5, seed: 2);
        Assert.Equal(1.0, MaskAnalysis.Overlap(a, b)[0].KeptIou);
        Assert.True(MaskAnalysis.Overlap(a, c)[0].KeptIou < 0.5);
    }
}
