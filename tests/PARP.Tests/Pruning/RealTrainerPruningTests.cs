using Parp.Data;
using Parp.Models;
using Parp.Pruning;
using Parp.Tests.Support;
using Parp.Training;
using static TorchSharp.torch;

namespace Parp.Tests.Pruning;

/// <summary>
/// The pruning callbacks inside the project's real trainer (not the tests' minimal loop): a smoke-scale fine-tuning
/// run on generated speech, from the MPI mask of a model, with a fixed mask and with PARP.
/// </summary>
[Collection(nameof(GlobalTorchRandom))]
public class RealTrainerPruningTests
{
    static readonly FineTuneRecipe Recipe = FineTunePresets.Get("smoke") with { MaxUpdates = 8, FreezeFinetuneUpdates = 0, MaxBatchSize = 2 };
    static readonly LoopOptions Loop = new() { CheckpointEvery = 4, LogEvery = 1 };
    const double Sparsity = 0.5;

    /// <summary>Records, after every update, the pool's measured sparsity.</summary>
    sealed class SparsityTrace : ITrainingCallback
    {
        public List<double> AfterEachUpdate { get; } = [];
        public void AfterOptimizerStep(TrainingState s) => AfterEachUpdate.Add(PrunablePool.Of(s.Model).MeasuredSparsity());
    }

    static Mask MpiMaskOfRandomSmokeModel()
    {
        using var model = FineTuning.CreateModel(ModelSource.Random("smoke"), Recipe, 32, CPU);
        return PruningMethods.Mpi(model, Sparsity);
    }

    [RequiresProgramFact("espeak-ng", "espeak-ng")]
    public void A_fixed_mask_holds_through_every_update_of_a_real_fine_tuning_run()
    {
        using var dir = new TempDir();
        var data = LabelledData.Generated("smoke", "en", "10min");
        using var mask = MpiMaskOfRandomSmokeModel();
        using var fixedMask = new FixedMaskCallback(mask);
        var trace = new SparsityTrace();
        var (model, result) = FineTuning.Run(Path.Combine(dir.Path, "fixed"), ModelSource.Random("smoke"), Recipe, data, CPU, [fixedMask, trace], loop: Loop);

        Assert.True(result.Completed);
        Assert.Equal(8, trace.AfterEachUpdate.Count);
        // Every update leaves at least the mask's zeros (a trained weight may also land on exactly 0, hence >=).
        Assert.All(trace.AfterEachUpdate, s => Assert.True(s >= mask.Sparsity() - 1e-12, $"sparsity {s} below the mask's {mask.Sparsity()}"));
        PruningTestModels.AssertZeroWherePruned(model, mask);
    }

    [RequiresProgramFact("espeak-ng", "espeak-ng")]
    public void Parp_lets_pruned_weights_move_between_re_prunes_and_ends_exactly_at_the_target()
    {
        using var dir = new TempDir();
        var data = LabelledData.Generated("smoke", "en", "10min");
        using var mask = MpiMaskOfRandomSmokeModel();
        using var parp = new ParpCallback(mask, new ParpOptions(Interval: 4));
        var trace = new SparsityTrace();
        var (model, result) = FineTuning.Run(Path.Combine(dir.Path, "parp"), ModelSource.Random("smoke"), Recipe, data, CPU, [parp, trace], loop: Loop);

        Assert.True(result.Completed);
        // Between re-prunes (after updates 1-3), the zeroed weights receive gradients and Adam updates: sparsity drops.
        Assert.True(trace.AfterEachUpdate[0] < Sparsity - 0.1, $"after update 1 the pool is still {trace.AfterEachUpdate[0]:P1} zeros");
        // The re-prune at update 4 (every n = 4) and the final one bring the pool back to exactly round(s·N) zeros.
        var pool = PrunablePool.Of(model);
        Assert.Equal((long)Math.Round(Sparsity * pool.Count, MidpointRounding.ToEven), pool.ZeroCount());
        Assert.Contains(parp.History, p => p.Update == 4 && !p.Final);
        Assert.Contains(parp.History, p => p.Final);
    }
}
