using Parp.Pruning;
using Parp.Training;
using static TorchSharp.torch;

namespace Parp.Tests.Pruning;

/// <summary>The two training regimes (docs/paper.md §2.4) through the callback hooks, on a Smoke model with a minimal loop.</summary>
public class TrainingMethodTests
{
    static Tensor PrunedValues(PrunablePool pool, Mask mask, string name) =>
        pool.Entries.First(e => e.Name == name).Parameter.detach().masked_select(mask[name].logical_not());

    static long NonZeroAmongPruned(PrunablePool pool, Mask mask) =>
        pool.Entries.Sum(e => { using var s = NewDisposeScope(); return (PrunedValues(pool, mask, e.Name) != 0).sum().item<long>(); });

    [Fact]
    public void Fixed_mask_weights_stay_exactly_zero_over_many_steps_and_their_adam_moments_stay_zero()
    {
        using var scope = NewDisposeScope();
        var model = PruningTestModels.Smoke();
        var pool = PrunablePool.Of(model);
        PruningTestModels.Randomize(pool, seed: 2);
        var before = ModelState.Snapshot(model);
        using var mask = PruningMethods.Mpi(model, 0.5);
        long k = mask.PrunedCount();
        using var callback = new FixedMaskCallback(mask.WithInfo(mask.Info));
        var trainer = new MiniTrainer(model, lr: 1e-2);
        trainer.Run(40, [callback], afterUpdate: t => Assert.Equal(0, NonZeroAmongPruned(pool, mask)));

        Assert.Equal(k, pool.ZeroCount());
        const string name = "wav2vec2.encoder.layers.1.attention.q_proj.weight";
        var moment = trainer.FirstMoment(name);
        Assert.Equal(0, (moment.masked_select(mask[name].logical_not()) != 0).sum().item<long>());
        Assert.True((moment.masked_select(mask[name]) != 0).sum().item<long>() > 0, "kept entries must have trained");
        var kept = pool.Entries[0];
        Assert.True((kept.Parameter.detach() - before[kept.Name]).abs().sum().item<float>() > 0, "the kept weights must move");
    }

    [Fact]
    public void Parp_zeroed_weights_get_gradients_and_adam_updates_and_the_final_model_is_exactly_at_target()
    {
        using var scope = NewDisposeScope();
        var model = PruningTestModels.Smoke();
        var pool = PrunablePool.Of(model);
        PruningTestModels.Randomize(pool, seed: 3);
        var parameterObjects = pool.Entries.Select(e => e.Parameter).ToList();
        var log = new List<string>();
        using var parp = new ParpCallback(PruningMethods.Mpi(model, 0.5), new ParpOptions(Interval: 5), log: log.Add);
        var trainer = new MiniTrainer(model, lr: 1e-3);
        long k = GlobalMagnitudePruning.PrunedCount(0.5, pool.Count);
        Mask? afterReprune = null;
        trainer.Run(12, [parp], afterUpdate: t =>
        {
            if (t == 1)
            {
                // Between re-prunes the zeroed entries are ordinary parameters: true gradients, Adam moves them.
                var initial = parp.InitialMask;
                long withGrad = pool.Entries.Sum(e => (e.Parameter.grad!.masked_select(initial[e.Name].logical_not()) != 0).sum().item<long>());
                Assert.True(withGrad > k / 2, $"only {withGrad} of {k} zeroed entries received a gradient");
                Assert.True(NonZeroAmongPruned(pool, initial) > k / 2, "Adam must move the zeroed entries off zero");
            }
            if (t == 5)
            {
                Assert.Equal(k, pool.ZeroCount());                    // the re-prune at update 5
                afterReprune = parp.CurrentMask.WithInfo(parp.CurrentMask.Info);
                const string name = "wav2vec2.encoder.layers.0.feed_forward.intermediate_dense.weight";
                var moment = trainer.FirstMoment(name).masked_select(afterReprune[name].logical_not());
                Assert.True((moment != 0).sum().item<long>() > moment.NumberOfElements / 2, "re-pruning must not reset Adam's moments");
            }
            if (t == 6) Assert.True(NonZeroAmongPruned(pool, afterReprune!) > k / 2, "just re-pruned entries move again on the next step");
        });

        Assert.Equal(k, pool.ZeroCount());                            // final re-prune (12 is not a multiple of 5)
        Assert.Equal(parameterObjects, pool.Entries.Select(e => e.Parameter));
        Assert.Equal(PrunablePool.Of(model).Entries.Select(e => e.Parameter), parameterObjects);
        Assert.Equal(new[] { 0, 5, 10, 12 }, parp.History.Select(h => h.Update));
        Assert.True(parp.History[^1].Final);
        Assert.Equal((double)k / pool.Count, parp.History[^1].MeasuredSparsity);
        Assert.Equal(k, parp.CurrentMask.PrunedCount());
        Assert.Equal(4, log.Count);
        Assert.Contains("measured sparsity", log[^1]);
        afterReprune?.Dispose();
    }

    [Fact]
    public void Parp_p_target_rises_linearly_from_the_initial_sparsity_and_ends_exactly_at_s()
    {
        using var scope = NewDisposeScope();
        var model = PruningTestModels.Smoke();
        var pool = PrunablePool.Of(model);
        PruningTestModels.Randomize(pool, seed: 4);
        using var parp = new ParpCallback(PruningMethods.Mpi(model, 0.3), new ParpOptions(Interval: 4, SparsitySchedule.Linear(0.6)));
        new MiniTrainer(model, lr: 1e-3).Run(10, [parp]);
        double s0 = parp.InitialSparsity;
        Assert.Equal(GlobalMagnitudePruning.PrunedCount(0.3, pool.Count), (long)Math.Round(s0 * pool.Count));
        var targets = parp.History.Select(h => h.Target).ToArray();
        Assert.Equal(s0, targets[0]);
        Assert.Equal(s0 + (0.6 - s0) * 0.4, targets[1], 12);
        Assert.Equal(s0 + (0.6 - s0) * 0.8, targets[2], 12);
        Assert.Equal(0.6, targets[3]);
        Assert.Equal(GlobalMagnitudePruning.PrunedCount(0.6, pool.Count), pool.ZeroCount());
    }

    [Fact]
    public void Parp_from_another_models_mask_starts_from_exactly_that_mask()
    {
        using var scope = NewDisposeScope();
        var source = PruningTestModels.Smoke(seed: 11);
        PruningTestModels.Randomize(PrunablePool.Of(source), seed: 11);
        using var transferred = PruningMethods.Omp(source, 0.8, "source language");
        var target = PruningTestModels.Smoke(seed: 12);
        PruningTestModels.Randomize(PrunablePool.Of(target), seed: 12);
        using var parp = new ParpCallback(transferred.WithInfo(transferred.Info), new ParpOptions(Interval: 3));
        new MiniTrainer(target, lr: 1e-3).Run(4, [parp]);
        var overlap = MaskAnalysis.Overlap(transferred, parp.InitialMask)[0];
        Assert.Equal(1.0, overlap.KeptIou);
        Assert.Equal(transferred.Sparsity(), parp.InitialSparsity);
        Assert.Equal(transferred.PrunedCount(), PrunablePool.Of(target).ZeroCount());
    }

    [Fact]
    public void Callbacks_restore_their_masks_from_saved_state()
    {
        using var scope = NewDisposeScope();
        var model = PruningTestModels.Smoke();
        PruningTestModels.Randomize(PrunablePool.Of(model), seed: 6);
        using var parp = new ParpCallback(PruningMethods.Mpi(model, 0.4), new ParpOptions(Interval: 2));
        new MiniTrainer(model).Run(3, [parp]);
        using var resumed = new ParpCallback(PruningMethods.Mpi(model, 0.4), new ParpOptions(Interval: 2));
        resumed.RestoreState(parp.StateToSave());
        Assert.Equal(parp.InitialSparsity, resumed.InitialSparsity);
        Assert.Equal(1.0, MaskAnalysis.Overlap(parp.CurrentMask, resumed.CurrentMask)[0].KeptIou);
        using var fixedMask = new FixedMaskCallback(PruningMethods.Mpi(model, 0.3));
        using var fixedResumed = new FixedMaskCallback(Mask.AllKept(PrunablePool.Of(model)));
        fixedResumed.RestoreState(fixedMask.StateToSave());
        Assert.Equal(1.0, MaskAnalysis.Overlap(fixedMask.Mask, fixedResumed.Mask)[0].KeptIou);
        Assert.Throws<PruningException>(() => fixedResumed.RestoreState(new Dictionary<string, Tensor>()));
        using var fresh = new ParpCallback(PruningMethods.Mpi(model, 0.4), new ParpOptions(Interval: 2));
        var e = Assert.Throws<PruningException>(() => fresh.RestoreState(new Dictionary<string, Tensor>()));
        Assert.Contains("parp/target", e.Message);
    }

    [Fact]
    public void Parp_options_reject_a_bad_interval_and_schedule()
    {
        using var mask = PruningMethods.Mpi(PruningTestModels.Smoke(), 0.5);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ParpCallback(mask, new ParpOptions(0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => SparsitySchedule.Linear(-0.2));
    }
}
