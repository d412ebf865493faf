using Parp.Experiments;
using Parp.Experiments.Methods;
using Parp.Models;
using Parp.Pruning;
using Parp.Tests.Support;
using Parp.Training;

namespace Parp.Tests.Experiments;

/// <summary>The cache key of a run: the same for the same configuration, different when anything that decides it differs.</summary>
public class RunConfigKeyTests
{
    static ExperimentSetting Smoke => ExperimentSetting.English("smoke");

    [Fact]
    public void The_same_configuration_built_twice_has_the_same_key()
    {
        Assert.Equal(Smoke.Mpi(0.5).Key, Smoke.Mpi(0.5).Key);
        Assert.Matches("^[0-9a-f]{16}$", Smoke.Mpi(0.5).Key);
        // The shipped model named by another spelling of its folder is the same source.
        var a = ExperimentSetting.English("tiny").Dense();
        var b = a with { Source = ModelSource.FromFolder(Path.Combine(ShippedModels.TinyPretrained, "..", "tiny-pretrained") + "/") };
        Assert.Equal(a.Key, b.Key);
    }

    [Fact]
    public void Every_method_and_every_changed_setting_has_its_own_key()
    {
        var runs = new[]
        {
            Smoke.Dense(), Smoke.Mpi(0.5), Smoke.Random(0.5), Smoke.Omp(0.5), Smoke.Imp(0.5), Smoke.Parp(0.5), Smoke.ParpProgressive(0.5, 0.9),
            Smoke.Parp(0.5, interval: 3), ExperimentSetting.Multilingual("smoke").Omp(0.5, maskLanguage: "fr"),
            ExperimentSetting.Multilingual("smoke").Parp(0.5, maskLanguage: "fr"), ExperimentSetting.Multilingual("smoke").JointParp(0.5, ["es", "fr"]),
        };
        Assert.Equal(runs.Length, runs.Select(r => r.Key).Distinct().Count());
        var run = Smoke.Mpi(0.5);
        var variants = new[]
        {
            run with { Method = new RandomPruning() }, run with { Sparsity = 0.6 }, run with { Recipe = run.Recipe with { Seed = 1 } },
            run with { Recipe = run.Recipe with { MaxUpdates = 7 } }, run with { Source = ModelSource.Random("tiny") },
            run with { Language = "es" }, run with { TrainSplit = "1h" }, run with { EvalSplit = "dev" }, run with { CorpusScale = "tiny" },
        };
        Assert.Equal(variants.Length + 1, variants.Select(v => v.Key).Append(run.Key).Distinct().Count());
        // What a method uses is part of its key: PARP's interval, the dense run an OMP mask comes from.
        var parp = Smoke.Parp(0.5);
        Assert.NotEqual(parp.Key, (parp with { Method = new PruneAdjustReprune(99) }).Key);
        var omp = Smoke.Omp(0.5);
        var dense = omp.Method.DependsOn!;
        Assert.NotEqual(omp.Key, (omp with { Method = new Omp(dense with { Recipe = dense.Recipe with { Seed = 5 } }) }).Key);
    }

    [Fact]
    public void A_seed_changes_every_run_and_bad_runs_are_refused_with_the_reason()
    {
        var seeded = Smoke.WithSeed(7);
        Assert.Equal(7, seeded.Parp(0.5).Recipe.Seed);
        Assert.NotEqual(Smoke.Dense().Key, seeded.Dense().Key);
        Assert.Contains("must come from a dense run", Assert.Throws<ArgumentException>(() => (Smoke.Mpi(0.5) with { Method = new Omp(Smoke.Mpi(0.5)) }).Validate()).Message);
        Assert.Contains("another model", Assert.Throws<ArgumentException>(() =>
            (Smoke.Mpi(0.5) with { Method = new Omp(Smoke.Dense() with { Source = ModelSource.Random("tiny") }) }).Validate()).Message);
        Assert.Contains("sparsity 0", Assert.Throws<ArgumentException>(() => (Smoke.Dense() with { Sparsity = 0.5 }).Validate()).Message);
        Assert.Contains("outside", Assert.Throws<ArgumentException>(() => Smoke.Mpi(1.0)).Message);
        Assert.Contains("starts below", Assert.Throws<ArgumentException>(() => Smoke.ParpProgressive(0.9, 0.5)).Message);
        Assert.Contains("at least 1 update", Assert.Throws<ArgumentException>(() => Smoke.Parp(0.5, interval: 0)).Message);
        Assert.Contains("not run jointly", Assert.Throws<ArgumentException>(() =>
            (ExperimentSetting.Multilingual("smoke").JointParp(0.5, ["es", "fr"]) with { Method = new Omp(ExperimentSetting.Multilingual("smoke").Dense()) }).Validate()).Message);
        Assert.Contains("one round", Assert.Throws<ArgumentException>(() => Smoke.Imp(0.04)).Message);
        Assert.Throws<ArgumentException>(() => ExperimentSetting.English("huge"));
        var paper = ExperimentSetting.English("paper");
        Assert.Equal(12_000, paper.Parp(0.5).Recipe.MaxUpdates);
        Assert.Equal(0, paper.Parp(0.5).Recipe.FreezeFinetuneUpdates);
        Assert.Equal(9, paper.Sparsities.Count);
        Assert.Equal(10, ExperimentSetting.Multilingual("paper").Languages.Count);
        Assert.Equal("parp-p 0.5→0.9", Smoke.ParpProgressive(0.5, 0.9).Label);
        Assert.Equal("omp (mask fr)", ExperimentSetting.Multilingual("smoke").Omp(0.5, "fr").Label);
    }
}

/// <summary>
/// Every method at smoke scale through the real trainer: each run trains, is evaluated and cached with its masks; the
/// pruned models end at their target sparsity; the dependencies are shared; a second call trains nothing.
/// </summary>
[Collection(nameof(GlobalTorchRandom))]
public class ExperimentRunnerRunTests
{
    [RequiresProgramFact("espeak-ng", "espeak-ng")]
    public void Every_method_runs_once_with_its_masks_and_a_second_call_trains_nothing()
    {
        using var cache = new TempDir();
        var en = ExperimentSetting.English("smoke");
        var es = ExperimentSetting.Multilingual("smoke", "es");
        var plan = new List<RunConfig>
        {
            en.Mpi(0.5), en.Omp(0.5), en.Random(0.5), en.Imp(0.2), en.Parp(0.5), en.ParpProgressive(0.5, 0.9),
            es.Omp(0.5, maskLanguage: "fr"), es.Parp(0.5, maskLanguage: "fr"), es.JointParp(0.5, ["es", "fr"]),
        };
        var ledger = new CostLedger();
        var reports = new List<ExperimentProgress>();
        var first = ExperimentRunner.Run(plan, cacheRoot: cache.Path, ledger: ledger, progress: new Collect(reports));

        Assert.Equal(plan.Count + 1, first.Count);        // the joint run scores two languages
        Assert.All(first, r => Assert.False(r.FromCache));
        Assert.All(first, r => Assert.Equal(6, r.Updates));
        Assert.All(first.Where(r => r.Language == "en"), r => Assert.Equal("WER", r.Metric));
        Assert.All(first.Where(r => r.Language != "en"), r => Assert.Equal("PER", r.Metric));
        foreach (var r in first) Assert.Equal(r.Sparsity, r.MeasuredSparsity, 4);   // exactly round(s·N) zeros of the pool
        Assert.Equal(["es", "fr"], first.Where(r => r.TrainedOn == "es+fr").Select(r => r.Language));
        Assert.Contains(reports, p => p.Training is not null && p.RunIndex == plan.Count - 1);

        // The dependencies ran once: the English dense run (OMP and IMP share it), the French one, IMP's chain to 20 %.
        Assert.True(File.Exists(RunFolder.Of(en.Dense(), cache.Path).ResultFile));
        Assert.True(File.Exists(RunFolder.Of(es.Dense("fr"), cache.Path).ResultFile));
        var chain = ImpChainFolder.Of(en.Imp(0.2), cache.Path);
        using (var m = chain.RoundMask(2)) Assert.Equal(0.2, m!.Sparsity(), 4);
        Assert.Null(chain.RoundMask(3));                                                        // the chain stopped at round 2
        foreach (var run in plan)
        {
            using var initial = RunFolder.Of(run, cache.Path).LoadMask(run, final: false);
            using var final = RunFolder.Of(run, cache.Path).LoadMask(run, final: true);
            Assert.Equal(run.Sparsity, final.Sparsity(), 4);
            Assert.Equal(run.Method.InitialSparsity(run), initial.Sparsity(), 4);
        }
        var history = RunFolder.Of(en.Parp(0.5), cache.Path).LoadParpHistory(en.Parp(0.5));
        Assert.Equal([0, 2, 4, 6], history.Select(h => h.Update));   // the initial prune, every n = 2 updates, the final one
        Assert.True(history[^1].Final);
        var ramp = RunFolder.Of(en.ParpProgressive(0.5, 0.9), cache.Path).LoadParpHistory(en.ParpProgressive(0.5, 0.9));
        Assert.Equal(0.9, ramp[^1].Target, 9);
        Assert.True(ramp.Select(h => h.Target).SequenceEqual(ramp.Select(h => h.Target).Order()));

        // Cost (docs/paper.md §10): OMP counts its dense run, IMP its dense run and rounds, the rest one run each.
        Assert.Equal(4, ledger.Runs.Count(r => r.Method == "omp"));      // en and fr: a dense run and a final one each
        Assert.Equal(1 + 2 + 1, ledger.CostOf("imp", 0.2).FineTuningRuns);
        Assert.Equal(1, ledger.CostOf("parp-p", 0.9).FineTuningRuns);
        Assert.Equal(1, ledger.CostOf("mpi", 0.5).FineTuningRuns);

        var logs = Directory.GetFiles(cache.Path, "metrics.jsonl", SearchOption.AllDirectories);
        var written = logs.Select(File.GetLastWriteTimeUtc).ToList();
        var trainingReports = 0;
        var second = ExperimentRunner.Run(plan, cacheRoot: cache.Path, progress: new Collect([], () => trainingReports++));
        Assert.All(second, r => Assert.True(r.FromCache));
        Assert.Equal(first.Select(r => (r.Key, r.Language, r.ErrorRate)), second.Select(r => (r.Key, r.Language, r.ErrorRate)));
        Assert.Equal(0, trainingReports);
        Assert.Equal(written, logs.Select(File.GetLastWriteTimeUtc).ToList());

        // Trained but not evaluated (stopped during evaluation): the finished run is evaluated, not retrained, and
        // PARP's masks and whole history come back from its last checkpoint.
        var parp = en.Parp(0.5);
        var folder = RunFolder.Of(parp, cache.Path);
        File.Delete(folder.ResultFile);
        File.Delete(folder.ParpHistory);
        Directory.Delete(folder.MasksFolder, recursive: true);
        var again = ExperimentRunner.Run([parp], cacheRoot: cache.Path, progress: new Collect([], () => trainingReports++)).Single();
        Assert.False(again.FromCache);
        Assert.Equal(0, trainingReports);
        Assert.Equal(first.Single(r => r.Key == parp.Key).ErrorRate, again.ErrorRate);
        Assert.Equal(history, folder.LoadParpHistory(parp));
        using (var final = folder.LoadMask(parp, final: true)) Assert.Equal(0.5, final.Sparsity(), 4);

        var frame = ResultTables.ToDataFrame(second);
        Assert.Equal(second.Count, frame.Rows.Count);
        var csv = Path.Combine(cache.Path, "out", "results.csv");
        ResultTables.SaveCsv(second, csv);
        Assert.Equal(second.Count + 1, File.ReadAllLines(csv).Length);
    }

    [RequiresProgramFact("espeak-ng", "espeak-ng")]
    public void The_mask_studies_read_finished_runs()
    {
        using var cache = new TempDir();
        var en = ExperimentSetting.English("smoke");
        var es = ExperimentSetting.Multilingual("smoke", "es");
        ExperimentRunner.Run([en.Imp(0.2), en.Parp(0.5), es.Dense("es"), es.Dense("fr")], cacheRoot: cache.Path);

        var studies = new MaskStudies(cache.Path);
        var points = studies.ObservationOne(en, en.Dense(), [0.1, 0.2, 0.5], en.Imp(0.2));
        Assert.Equal(3, points.Count(p => p.Pair == "MPI vs OMP"));
        Assert.Equal([0.1, 0.2], points.Where(p => p.Pair == "MPI vs IMP").Select(p => p.Sparsity));   // the chain reached 20 %
        Assert.All(points, p => Assert.InRange(p.KeptIou, 0, 1));
        Assert.All(points, p => Assert.Equal(MaskAnalysis.ChanceIou(1 - p.Sparsity, 1 - p.Sparsity), p.KeptChance, 3));

        var iou = studies.CrossLanguageIou([es.Dense("es"), es.Dense("fr")], 0.5);
        Assert.Equal(1, iou[0][0]);
        Assert.Equal(iou[0][1], iou[1][0]);
        Assert.InRange(iou[0][1], 0, 1);

        var drift = Assert.Single(studies.Drift([en.Parp(0.5)]));
        Assert.Equal((1 - drift.KeptIou) / (1 + drift.KeptIou), (double)drift.Revived / drift.Kept, 6);  // docs/paper.md §4: IoU = (K − r)/(K + r)
        Assert.Equal(drift.Revived, studies.RevivedPerLayer(en.Parp(0.5))[0].Revived);
        Assert.Single(studies.Reprunes([en.Parp(0.5)]));
        Assert.NotEmpty(studies.WeightShifts(en, en.Dense()));

        // A dry run reads nothing and returns nothing.
        var dry = new MaskStudies(cache.Path, dryRun: true);
        Assert.Empty(dry.ObservationOne(en, en.Dense(), [0.5]));
        Assert.Equal([0.0, 0.0], dry.CrossLanguageIou([es.Dense("es"), es.Dense("fr")], 0.5)[1]);
        Assert.Empty(dry.Drift([en.Parp(0.5)]));
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
