using Parp.Experiments;
using Parp.Models;
using Parp.Pruning;
using Parp.Tests.Support;
using Parp.Training;

namespace Parp.Tests.Experiments;

/// <summary>The cache key of an E5 run: the same for the same configuration, different when anything that decides it differs.</summary>
public class RunConfigKeyTests
{
    static RunConfig Smoke(int index = 0) => ParpVsMpi.Plan(ExperimentScale.ForScale("smoke"))[index];

    [Fact]
    public void The_same_configuration_built_twice_has_the_same_key()
    {
        Assert.Equal(Smoke().Key, Smoke().Key);
        Assert.Matches("^[0-9a-f]{16}$", Smoke().Key);
        // The shipped model named by another spelling of its folder is the same source.
        var a = ExperimentScale.ForScale("tiny").Runs()[0];
        var b = a with { Source = ModelSource.FromFolder(Path.Combine(ShippedModels.TinyPretrained, "..", "tiny-pretrained") + "/") };
        Assert.Equal(a.Key, b.Key);
    }

    [Fact]
    public void Every_run_of_a_plan_and_every_changed_setting_has_its_own_key()
    {
        var plan = ParpVsMpi.Plan(ExperimentScale.ForScale("smoke"));
        Assert.Equal(5, plan.Count);
        Assert.Equal(plan.Count, plan.Select(r => r.Key).Distinct().Count());
        var run = Smoke(1);  // mpi at 0.5
        var variants = new[]
        {
            run with { Method = "parp" }, run with { Sparsity = 0.6 }, run with { Recipe = run.Recipe with { Seed = 1 } },
            run with { Recipe = run.Recipe with { MaxUpdates = 7 } }, run with { Source = ModelSource.Random("tiny") },
            run with { Language = "es" }, run with { TrainSplit = "1h" }, run with { EvalSplit = "dev" }, run with { CorpusScale = "tiny" },
        };
        Assert.Equal(variants.Length + 1, variants.Select(v => v.Key).Append(run.Key).Distinct().Count());
        // The re-prune interval only matters to PARP.
        Assert.Equal(run.Key, (run with { ParpInterval = 99 }).Key);
        var parp = Smoke(2);
        Assert.NotEqual(parp.Key, (parp with { ParpInterval = 99 }).Key);
    }

    [Fact]
    public void A_seed_changes_every_run_and_the_paper_scale_only_plans()
    {
        var plain = ParpVsMpi.Plan(ExperimentScale.ForScale("smoke"));
        var seeded = ParpVsMpi.Plan(ExperimentScale.ForScale("smoke"), seed: 7);
        Assert.All(seeded, r => Assert.Equal(7, r.Recipe.Seed));
        Assert.Empty(plain.Select(r => r.Key).Intersect(seeded.Select(r => r.Key)));
        var paper = ParpVsMpi.Plan(ExperimentScale.ForScale("paper"));
        Assert.Equal(1 + 2 * 9, paper.Count);
        Assert.Equal(12_000, paper.Single(r => r.Method == "parp" && r.Sparsity == 0.5).Recipe.MaxUpdates);
        Assert.Equal(0, paper.Single(r => r.Method == "parp" && r.Sparsity == 0.5).Recipe.FreezeFinetuneUpdates);
        Assert.Throws<ArgumentException>(() => ExperimentScale.ForScale("huge"));
    }
}

/// <summary>
/// The smoke experiment end to end through the real trainer: every run trains, is evaluated and cached; the pruned
/// models end at their target sparsity; a second call reads every result back without training.
/// </summary>
[Collection(nameof(GlobalTorchRandom))]
public class ParpVsMpiRunTests
{
    [RequiresProgramFact("espeak-ng", "espeak-ng")]
    public void The_smoke_experiment_runs_every_method_and_a_second_call_trains_nothing()
    {
        using var cache = new TempDir();
        var plan = ParpVsMpi.Plan(ExperimentScale.ForScale("smoke"));
        var ledger = new CostLedger();
        var reports = new List<ExperimentProgress>();
        var first = ParpVsMpi.Run(plan, cacheRoot: cache.Path, ledger: ledger, progress: new Collect(reports));

        Assert.Equal(plan.Count, first.Count);
        Assert.All(first, r => Assert.False(r.FromCache));
        Assert.All(first, r => Assert.Equal(6, r.Updates));
        Assert.All(first, r => Assert.Equal("WER", r.Metric));
        Assert.All(first, r => Assert.InRange(r.ErrorRate, 0, 1000));
        foreach (var r in first.Where(r => r.Method != "dense"))
            Assert.Equal(r.Sparsity, r.MeasuredSparsity, 4);   // exactly round(s·N) zeros of the pool
        Assert.Equal(0, first.Single(r => r.Method == "dense").MeasuredSparsity, 2);
        Assert.Equal(plan.Count, ledger.Runs.Count);
        Assert.Contains(reports, p => p.Training is not null && p.RunIndex == plan.Count - 1);
        foreach (var run in plan)
        {
            var folder = ParpVsMpi.FolderOf(run, cache.Path);
            Assert.True(File.Exists(Path.Combine(folder, "result.json")));
            Assert.True(File.Exists(Path.Combine(folder, "config.json")));
            Assert.True(Directory.Exists(Path.Combine(folder, "run", "model")));
        }

        var logs = plan.Select(r => Path.Combine(ParpVsMpi.FolderOf(r, cache.Path), "run", "metrics.jsonl")).ToList();
        var written = logs.Select(File.GetLastWriteTimeUtc).ToList();
        var trainingReports = 0;
        var second = ParpVsMpi.Run(plan, cacheRoot: cache.Path, progress: new Collect([], () => trainingReports++));
        Assert.All(second, r => Assert.True(r.FromCache));
        Assert.Equal(first.Select(r => (r.Key, r.ErrorRate, r.MeasuredSparsity)), second.Select(r => (r.Key, r.ErrorRate, r.MeasuredSparsity)));
        Assert.Equal(0, trainingReports);
        Assert.Equal(written, logs.Select(File.GetLastWriteTimeUtc).ToList());

        // Trained but not yet evaluated (stopped during evaluation): the finished run folder is reused, not retrained.
        var parp = plan.Single(r => r.Method == "parp" && r.Sparsity == 0.5);
        File.Delete(Path.Combine(ParpVsMpi.FolderOf(parp, cache.Path), "result.json"));
        var again = ParpVsMpi.Run([parp], cacheRoot: cache.Path, progress: new Collect([], () => trainingReports++)).Single();
        Assert.False(again.FromCache);
        Assert.Equal(0, trainingReports);
        var before = first.Single(r => r.Key == parp.Key);
        Assert.Equal((before.ErrorRate, before.CharacterErrorRate, before.MeasuredSparsity), (again.ErrorRate, again.CharacterErrorRate, again.MeasuredSparsity));
        Assert.Equal(written, logs.Select(File.GetLastWriteTimeUtc).ToList());

        var frame = ParpVsMpi.ToDataFrame(second);
        Assert.Equal(plan.Count, frame.Rows.Count);
        var csv = Path.Combine(cache.Path, "out", "results.csv");
        ParpVsMpi.SaveCsv(second, csv);
        Assert.Equal(plan.Count + 1, File.ReadAllLines(csv).Length);
    }

    sealed class Collect(List<ExperimentProgress> into, Action? onTraining = null) : IProgress<ExperimentProgress>
    {
        public void Report(ExperimentProgress value)
        {
            into.Add(value);
            if (value.Training is not null) onTraining?.Invoke();
        }
    }
}
