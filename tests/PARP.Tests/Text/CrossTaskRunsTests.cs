using Parp.Pruning;
using Parp.Tests.Support;
using Parp.Text;
using static TorchSharp.torch;

namespace Parp.Tests.Text;

/// <summary>
/// E16's runs at smoke scale on the fortune tasks, from a small random masked-LM θ0: dense runs, fixed masks and PARP
/// from MPI and from another task's OMP mask; the source's dense run is trained first even when not asked for; the
/// masks are exact; a second call reads every run back.
/// </summary>
[Collection(nameof(GlobalTorchRandom))]
public class CrossTaskRunsTests
{
    // θ0: a random masked-LM BERT in transformers' layout, its vocabulary made from the smoke tasks' text.
    internal static string Theta0(TempDir dir)
    {
        var texts = FortuneTasks.All.SelectMany(t => FortuneTasks.Load(t, "smoke").Train).SelectMany(e => new[] { e.TextA, e.TextB }).OfType<string>();
        var vocabulary = WordPieceVocabulary.Build(texts, 600);
        var folder = dir.File("theta0");
        manual_seed(3);
        using var model = new BertForMaskedLM(new BertConfig { VocabSize = vocabulary.Count, HiddenSize = 32, NumHiddenLayers = 2, NumAttentionHeads = 4, IntermediateSize = 64, MaxPositionEmbeddings = 32 });
        BertCheckpoint.Save(model, folder);
        WordPieceVocabulary.Write(vocabulary, Path.Combine(folder, "vocab.txt"));
        return folder;
    }

    [Fact]
    public void Dense_fixed_and_parp_runs_from_mpi_and_omp_masks_train_once_and_read_back()
    {
        using var dir = new TempDir();
        var theta0 = Theta0(dir);
        var recipe = new GlueRecipe { MaxUpdates = 12, BatchSize = 8, LearningRate = 1e-3, Seed = 2337 };
        TextRunConfig Run(string task, TextMethod method, string? source, double s) => new("smoke", theta0, task, method, source, s, recipe, 32, 4);
        var runs = new List<TextRunConfig>
        {
            Run("fortune-topic", TextMethod.Dense, null, 0),
            Run("fortune-topic", TextMethod.FixedMask, TextRunConfig.PreTrained, 0.5),
            Run("fortune-topic", TextMethod.Parp, TextRunConfig.PreTrained, 0.5),
            Run("fortune-topic", TextMethod.FixedMask, "fortune-theme", 0.5),   // needs the dense theme run, not asked for
            Run("fortune-topic", TextMethod.Parp, "fortune-theme", 0.5),
        };
        var progress = new List<string>();
        var results = CrossTaskRuns.Run(runs, CPU, dir.File("cache"), new Parp.Runtime.SynchronousProgress<string>(progress.Add));

        Assert.Equal(runs.Select(r => r.Key), results.Select(r => r.Key));            // in the order asked
        Assert.Equal(6, progress.Count);                                              // and the theme task's dense run
        Assert.Contains(progress, p => p.Contains("fortune-theme dense"));
        Assert.All(results, r => Assert.False(r.FromCache));
        Assert.All(results, r => Assert.InRange(r.Metric, 0, 100));
        foreach (var (run, result) in runs.Zip(results).Where(p => p.First.Method != TextMethod.Dense))
        {
            var folder = CrossTaskRuns.FolderOf(run, dir.File("cache"));
            using var initial = Mask.Load(Path.Combine(folder, "mask-initial.safetensors"));
            using var final = Mask.Load(Path.Combine(folder, "mask-final.safetensors"));
            Assert.Equal(initial.PrunedCount(), final.PrunedCount());              // PARP ends on the target exactly
            Assert.Equal(0.5, result.MeasuredSparsity, 3);
            if (run.Method == TextMethod.FixedMask)
                Assert.All(initial.Names, n => Assert.True(initial[n].eq(final[n]).all().item<bool>()));
        }
        // OMP from the theme task's fine-tuned model is not MPI of θ0.
        using (var mpi = Mask.Load(Path.Combine(CrossTaskRuns.FolderOf(runs[1], dir.File("cache")), "mask-initial.safetensors")))
        using (var omp = Mask.Load(Path.Combine(CrossTaskRuns.FolderOf(runs[3], dir.File("cache")), "mask-initial.safetensors")))
            Assert.Contains(mpi.Names, n => !mpi[n].eq(omp[n]).all().item<bool>());

        var again = CrossTaskRuns.Run(runs, CPU, dir.File("cache"));
        Assert.All(again, r => Assert.True(r.FromCache));
        Assert.Equal(results.Select(r => r.Metrics), again.Select(r => r.Metrics));
    }

    // θ0: a random XLNet body in transformers' pre-trained layout, its spiece.model made from the smoke tasks' text.
    static string XLNetTheta0(TempDir dir)
    {
        var texts = FortuneTasks.All.SelectMany(t => FortuneTasks.Load(t, "smoke").Train).SelectMany(e => new[] { e.TextA, e.TextB }).OfType<string>();
        var pieces = SentencePieceVocabulary.Build(texts, 800);
        var folder = dir.File("xlnet");
        manual_seed(3);
        using var model = new XLNetModel(new XLNetConfig { VocabSize = pieces.Count, DModel = 32, NLayer = 2, NHead = 4, DInner = 64 });
        XLNetCheckpoint.Save(model, folder);
        SentencePieceVocabulary.Write(pieces, Path.Combine(folder, "spiece.model"));
        return folder;
    }

    [Fact]
    public void An_xlnet_theta0_runs_e16_with_its_own_tokenizer_and_pool()
    {
        using var dir = new TempDir();
        var theta0 = XLNetTheta0(dir);
        Assert.Equal(PoolSpec.XLNetTicket, TextModels.Pool(theta0));
        var recipe = new GlueRecipe { MaxUpdates = 8, BatchSize = 8, LearningRate = 1e-3, Seed = 2337 };
        TextRunConfig Run(TextMethod method, string? source, double s) => new("smoke", theta0, "fortune-life", method, source, s, recipe, 32, 4);
        var runs = new List<TextRunConfig> { Run(TextMethod.FixedMask, TextRunConfig.PreTrained, 0.5), Run(TextMethod.Parp, "fortune-theme", 0.5) };
        var results = CrossTaskRuns.Run(runs, CPU, dir.File("cache"));
        Assert.All(results, r => Assert.Equal(0.5, r.MeasuredSparsity, 3));
        using var initial = Mask.Load(Path.Combine(CrossTaskRuns.FolderOf(runs[0], dir.File("cache")), "mask-initial.safetensors"));
        Assert.Contains(initial.Names, n => n.Contains("rel_attn.r"));
    }

    [Fact]
    public void The_tiny_and_smoke_settings_prune_the_shipped_model_of_each_family()
    {
        foreach (var scale in new[] { "smoke", "tiny" })
        foreach (var family in new[] { "bert", "xlnet" })
        {
            var setting = CrossTaskSetting.For(scale, model: family);
            Assert.Equal(family, TextModels.FamilyOf(setting.Model));
            Assert.True(File.Exists(TextModels.TokenizerFile(setting.Model)), setting.Model);
            Assert.Equal(CrossTaskSetting.For(scale, model: "bert").Recipe, setting.Recipe);
        }
        Assert.Throws<ArgumentException>(() => CrossTaskSetting.For("tiny", model: "gpt2"));
    }

    [Fact]
    public void A_random_initialisation_has_theta0s_shapes_and_tokenizer_and_depends_on_the_seed_alone()
    {
        using var dir = new TempDir();
        foreach (var theta0 in new[] { Theta0(dir), XLNetTheta0(dir) })
        {
            string Random(string name, int seed)
            {
                var folder = dir.File($"{Path.GetFileName(theta0)}-{name}");
                TextModels.SaveRandomInitialisation(theta0, seed, folder);
                return folder;
            }
            var (a, b, c) = (Random("a", 5), Random("b", 5), Random("c", 6));
            Assert.Equal(TextModels.FamilyOf(theta0), TextModels.FamilyOf(a));
            Assert.Equal(File.ReadAllBytes(TextModels.TokenizerFile(theta0)), File.ReadAllBytes(TextModels.TokenizerFile(a)));
            Assert.Equal(File.ReadAllBytes(Path.Combine(a, "model.safetensors")), File.ReadAllBytes(Path.Combine(b, "model.safetensors")));
            Assert.NotEqual(File.ReadAllBytes(Path.Combine(a, "model.safetensors")), File.ReadAllBytes(Path.Combine(c, "model.safetensors")));
            using var original = TextModels.LoadClassifier(theta0, 3);
            using var random = TextModels.LoadClassifier(a, 3);
            var (before, after) = (original.state_dict(), random.state_dict());
            Assert.Equal(before.Keys, after.Keys);
            Assert.All(before.Keys, k => Assert.Equal(before[k].shape, after[k].shape));
            Assert.Contains(before.Keys, k => before[k].is_floating_point() && !before[k].allclose(after[k]));
        }
    }

    [Fact]
    public void A_run_is_checked_and_its_key_names_all_that_decides_it()
    {
        var recipe = new GlueRecipe { MaxUpdates = 10 };
        var run = new TextRunConfig("tiny", "/models/x", "fortune-topic", TextMethod.Parp, TextRunConfig.PreTrained, 0.5, recipe, 64, 10);
        Assert.Equal(run.Key, (run with { }).Key);
        Assert.NotEqual(run.Key, (run with { ParpInterval = 20 }).Key);
        Assert.NotEqual(run.Key, (run with { Recipe = recipe with { Seed = 1 } }).Key);
        Assert.NotEqual(run.Key, (run with { MaskSource = "fortune-theme" }).Key);
        Assert.Equal("parp θ0", run.Label);
        Assert.Null(run.SourceRun);
        Assert.Equal(TextMethod.Dense, (run with { MaskSource = "fortune-theme" }).SourceRun!.Method);
        Assert.Equal("fortune-theme", (run with { MaskSource = "fortune-theme" }).SourceRun!.Task);
        Assert.Throws<ArgumentException>(() => (run with { Sparsity = 1 }).Validate());
        Assert.Throws<ArgumentException>(() => (run with { MaskSource = null }).Validate());
        Assert.Throws<ArgumentException>(() => (run with { Method = TextMethod.Dense }).Validate());
        Assert.Throws<ArgumentException>(() => (run with { ParpInterval = 0 }).Validate());
    }

    [Fact]
    public void The_setting_plans_every_source_on_every_target_and_the_table_measures_drop_and_recovery()
    {
        var setting = CrossTaskSetting.For("tiny") with { Model = "/models/x" };
        var runs = setting.Runs();
        Assert.Equal(3 * (1 + 4 * 2), runs.Count);                     // per target: dense, then fixed and PARP from θ0 and 3 tasks
        Assert.Equal(runs.Count, runs.Select(r => r.Key).Distinct().Count());
        Assert.Equal(7, CrossTaskSetting.For("tiny", seed: 7).Recipe.Seed);

        // Made-up metrics: the own mask gives 80, another task's 70 fixed and 76 with PARP, θ0's 60 and 65.
        var results = runs.Select(r => new TextRunResult(r.Key, r.Task, r.Label, r.Method, r.MaskSource, r.Sparsity, r.Recipe.Seed,
            new Dictionary<string, double> { ["accuracy"] = r.Method == TextMethod.Dense ? 90
                : r.MaskSource == TextRunConfig.PreTrained ? (r.Method == TextMethod.Parp ? 65 : 60)
                : r.MaskSource == r.Task ? 80 : r.Method == TextMethod.Parp ? 76 : 70 }, "accuracy", r.Sparsity, 1, false)).ToList();
        var cells = CrossTaskTables.Cells(setting, results);
        Assert.Equal(4 * 3, cells.Count);
        var (drop, recovered) = CrossTaskTables.Transfer(cells);
        Assert.Equal(10, drop, 9);
        Assert.Equal(6, recovered, 9);
        Assert.Contains("by -10.00 points against the target's own mask", CrossTaskTables.Summary(cells));
        Assert.Contains("by +6.00 points against the fixed mask", CrossTaskTables.Summary(cells));
        Assert.Equal(12, CrossTaskTables.ToDataFrame(cells).Rows.Count);
        Assert.Throws<KeyNotFoundException>(() => CrossTaskTables.Cells(setting, results.Skip(1).ToList()));
    }

    [Fact]
    public void Over_seeds_the_cells_are_averaged_and_the_claims_are_paired_with_an_interval()
    {
        // Made-up cells for two targets: seed 1 has the drop 10 and recovers 6, seed 2 the drop 4 and recovers 0, seed 3
        // the drop 7 and recovers 3; PARP from θ0's mask gains 5, 1 and 3.
        static List<CrossTaskCell> Cells(double drop, double recovered, double parpOnTheta0) =>
        [
            new(TextRunConfig.PreTrained, "a", "accuracy", 90, 60, 60 + parpOnTheta0),
            new(TextRunConfig.PreTrained, "b", "accuracy", 90, 50, 50 + parpOnTheta0),
            new("a", "a", "accuracy", 90, 80, 80), new("a", "b", "accuracy", 90, 70 - drop, 70 - drop + recovered),
            new("b", "a", "accuracy", 90, 80 - drop, 80 - drop + recovered), new("b", "b", "accuracy", 90, 70, 70),
        ];
        var perSeed = new List<(int Seed, IReadOnlyList<CrossTaskCell> Cells)> { (1, Cells(10, 6, 5)), (2, Cells(4, 0, 1)), (3, Cells(7, 3, 3)) };
        var paired = CrossTaskTables.Paired(perSeed);
        Assert.Equal(3, paired.Count);
        Assert.Equal([10.0, 4, 7], paired[0].PerSeed.Select(p => Math.Round(p.Difference, 9)));     // own − another task's mask, fixed
        Assert.Equal([6.0, 0, 3], paired[1].PerSeed.Select(p => Math.Round(p.Difference, 9)));      // PARP − fixed from it
        Assert.Equal([5.0, 1, 3], paired[2].PerSeed.Select(p => Math.Round(p.Difference, 9)));      // PARP − fixed from θ0's
        // Differences 10, 4, 7: mean 7, sd 3, t(0.975, 2) = 4.303: 7 ± 7.45, a tie; 5, 1, 3: 3 ± 4.97, a tie.
        Assert.Equal(7, paired[0].Difference.Mean, 9);
        Assert.Equal(7 - 4.303 * 3 / Math.Sqrt(3), paired[0].Difference.Low, 9);
        Assert.Equal("a tie", paired[0].Difference.Reading);

        // The README's tiny table at seed 2337 (fixed / PARP per mask source and target) gives its per-seed figures.
        string[] tasks = ["fortune-topic", "fortune-theme", "fortune-life"];
        double[][] fixedMask = [[66.51, 84.11, 54.61], [67.47, 84.11, 63.12], [64.73, 85.27, 67.38], [65.38, 82.56, 57.45]];
        double[][] parp = [[64.90, 84.11, 57.45], [68.60, 87.21, 63.83], [67.15, 84.50, 71.63], [66.67, 84.11, 64.54]];
        var readme = new[] { TextRunConfig.PreTrained }.Concat(tasks).SelectMany((source, i) => tasks.Select((target, j) =>
            new CrossTaskCell(source, target, "accuracy", 0, fixedMask[i][j], parp[i][j]))).ToList();
        var seed2337 = CrossTaskTables.Paired([(2337, readme)]);
        Assert.Equal([-1.15, 2.22, 0.41], seed2337.Select(c => Math.Round(c.PerSeed[0].Difference, 2)));
        Assert.Equal("1 seed(s): too few for a verdict", seed2337[0].Difference.Reading);

        var mean = CrossTaskTables.Mean(perSeed.Select(x => x.Cells).ToList());
        Assert.Equal(70 - 7, mean.Single(c => c.Source == "a" && c.Target == "b").Fixed, 9);
        Assert.Equal(70 - 7 + 3, mean.Single(c => c.Source == "a" && c.Target == "b").Parp, 9);
    }
}
