using Parp.Experiments;
using Parp.Experiments.Methods;
using Parp.Models;
using Parp.Pruning;
using Parp.Runtime;
using Parp.Tests.Support;
using Parp.Training;

namespace Parp.Tests.Experiments;

/// <summary>
/// What adding a method takes: one record (this one prunes the *largest* magnitudes of θ0, the opposite of MPI), and
/// nothing else in the library. The runner trains it, caches it under its own key, saves and checks its masks, counts its
/// cost and draws it in the figures (after the methods <see cref="PruningMethod.DisplayOrder"/> names; one line there
/// places it among them).
/// </summary>
sealed record LargestFirst() : PruningMethod("largest-first")
{
    public override ITrainingCallback? Callback(RunConfig run, Wav2Vec2ForCtc theta0, IRunContext context)
    {
        var pool = PrunablePool.Of(theta0);
        // The selection prunes the smallest scores: 1/|w| puts the largest weights first.
        var scores = pool.Entries.Select(e => (e.Name, e.Parameter.detach().abs().Plus(1e-12).reciprocal())).ToList();
        return new FixedMaskCallback(GlobalMagnitudePruning.ComputeMask(scores, run.Sparsity, new MaskInfo(Name, run.Sparsity, "θ0", 0, pool.Spec.Name)));
    }
}

[Collection(nameof(GlobalTorchRandom))]
public class NewMethodTests
{
    [RequiresProgramFact("espeak-ng", "espeak-ng")]
    public void A_new_method_is_one_record_the_runner_trains_caches_and_costs()
    {
        using var cache = new TempDir();
        var smoke = ExperimentSetting.English("smoke");
        var toy = new RunConfig(new LargestFirst(), 0.5, smoke.Source, smoke.FixedRecipe, smoke.CorpusScale, "en", smoke.TrainSplit, smoke.EvalSplit);
        Assert.NotEqual(smoke.Mpi(0.5).Key, toy.Key);
        var ledger = new CostLedger();

        var result = ExperimentRunner.Run([toy, smoke.Mpi(0.5)], cacheRoot: cache.Path, ledger: ledger);

        Assert.Equal(["largest-first", "mpi"], result.Select(r => r.Method));
        Assert.Equal(0.5, result[0].MeasuredSparsity, 4);
        var folder = RunFolder.Of(toy, cache.Path);
        using var mask = folder.LoadMask(toy, final: true);
        using var mpi = RunFolder.Of(smoke.Mpi(0.5), cache.Path).LoadMask(smoke.Mpi(0.5), final: true);
        Assert.Equal(0, MaskAnalysis.Overlap(mask, mpi)[0].KeptIou, 3);          // the opposite halves of the pool
        Assert.Equal(1, ledger.CostOf("largest-first", 0.5).FineTuningRuns);
        Assert.True(ExperimentRunner.Run([toy], cacheRoot: cache.Path).Single().FromCache);   // its folder passes the checks
        var figure = Parp.Plots.ExperimentPlots.ErrorAgainstSparsity(result, "toy", "WER (%)");
        var names = System.Text.Json.Nodes.JsonNode.Parse(figure.ToFigureJson())!["data"]!.AsArray().Select(t => t!["name"]!.GetValue<string>());
        Assert.Equal(["MPI", "LARGEST-FIRST"], names);                                       // known methods first
    }
}
