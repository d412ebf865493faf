using Parp.Models;
using Parp.Pruning;
using Parp.Tests.Support;
using Parp.Training;
using static TorchSharp.torch;

namespace Parp.Tests.Pruning;

/// <summary>IMP with rewinding whose rounds are real fine-tuning runs (smoke scale, generated speech), and their cost.</summary>
[Collection(nameof(GlobalTorchRandom))]
public class RealTrainerImpTests
{
    static readonly FineTuneRecipe Recipe = FineTunePresets.Get("smoke") with { FreezeFinetuneUpdates = 0, MaxBatchSize = 2 };
    static readonly LoopOptions Loop = new() { CheckpointEvery = 2, LogEvery = 1 };

    [RequiresProgramFact("espeak-ng", "espeak-ng")]
    public void Two_rounds_prune_exactly_10_and_20_percent_save_each_mask_and_cost_two_runs()
    {
        using var dir = new TempDir();
        var data = LabelledData.Generated("smoke", "en", "10min");
        var ledger = new CostLedger();
        using var run = ImpFineTuning.Run(dir.Path, ModelSource.Random("smoke"), Recipe, data, CPU, new ImpOptions(2, 3), ledger, Loop);

        using var model = FineTuning.CreateModel(ModelSource.Random("smoke"), Recipe, data.Vocabulary.Count, CPU);
        long n = PrunablePool.Of(model).Count;
        Assert.Equal(2, run.Rounds.Count);
        for (int k = 1; k <= 2; k++)
        {
            var round = run.Rounds[k - 1];
            Assert.Equal((long)Math.Round(k / 10.0 * n, MidpointRounding.ToEven), round.Mask.PrunedCount());
            Assert.True(File.Exists(round.SavedTo), $"round {k}'s mask was not saved");
            using var saved = Mask.Load(round.SavedTo!);
            Assert.Equal(round.Mask.PrunedCount(), saved.PrunedCount());
            Assert.True(File.Exists(Path.Combine(ImpFineTuning.RoundFolder(dir.Path, k), "model", "config.json")), $"round {k} did not finish");
        }
        // Round 2 trained with round 1's mask held: its saved model is zero wherever m_1 prunes.
        using (var round2 = FineTuning.CreateModel(ModelSource.FromFolder(Path.Combine(ImpFineTuning.RoundFolder(dir.Path, 2), "model")), Recipe, data.Vocabulary.Count, CPU))
            PruningTestModels.AssertZeroWherePruned(round2, run.Rounds[0].Mask);
        Assert.Equal(2, run.RoundCosts.Count);
        Assert.All(run.RoundCosts, c => { Assert.Equal("imp", c.Method); Assert.Equal(3, c.Updates); Assert.True(c.Seconds > 0); });
        Assert.Equal(run.RoundCosts, ledger.Runs);
        Assert.Equal(0.2, run.RoundCosts[1].ServesFrom, 9);
    }

    [RequiresProgramFact("espeak-ng", "espeak-ng")]
    public void Running_again_on_the_same_root_reuses_the_finished_rounds_and_gives_the_same_masks()
    {
        using var dir = new TempDir();
        var data = LabelledData.Generated("smoke", "en", "10min");
        using var first = ImpFineTuning.Run(dir.Path, ModelSource.Random("smoke"), Recipe, data, CPU, new ImpOptions(2, 2), loop: Loop);
        using var again = ImpFineTuning.Run(dir.Path, ModelSource.Random("smoke"), Recipe, data, CPU, new ImpOptions(2, 2), loop: Loop);
        for (int k = 0; k < 2; k++)
            foreach (var name in first.Rounds[k].Mask.Names)
                Assert.True(first.Rounds[k].Mask[name].equal(again.Rounds[k].Mask[name]).all().item<bool>(), $"round {k + 1}, {name}: the masks differ");
        // The finished rounds are read back, not retrained: the trainer's time is the one stored in their checkpoints.
        Assert.Equal(first.RoundCosts.Select(c => c.Seconds), again.RoundCosts.Select(c => c.Seconds));
    }
}
