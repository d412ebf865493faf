using System.Globalization;
using Microsoft.Data.Analysis;
using Parp.IO;
using Parp.Plots;

namespace Parp.Text;

/// <summary>
/// E16 at one scale (docs/paper.md §9): the model, the tasks, the sparsity and the recipe, and the runs of the
/// cross-task experiment. For each target task: the dense run, and from each mask source (θ0, then every task) a
/// fixed-mask run and a PARP run at the same sparsity.
/// </summary>
/// <param name="Scale">smoke, tiny or paper.</param>
/// <param name="Model">θ0's folder (transformers' layout: BERT with vocab.txt, or XLNet with spiece.model).</param>
/// <param name="Tasks">The tasks, each a source and a target.</param>
/// <param name="Sparsity">The pool's sparsity of every pruned run.</param>
/// <param name="Recipe">The GLUE recipe (its seed the run's).</param>
/// <param name="MaxLength">Tokens per example.</param>
/// <param name="ParpInterval">PARP's re-prune interval in updates.</param>
public sealed record CrossTaskSetting(string Scale, string Model, IReadOnlyList<string> Tasks, double Sparsity, GlueRecipe Recipe,
    int MaxLength, int ParpInterval)
{
    /// <summary>The project's tiny BERT (masked-LM pre-trained on fortunes, models/tiny-bert/README.md).</summary>
    public static string TinyModel => Path.Combine(Repository.Root(), "models", "tiny-bert");

    /// <summary>The project's tiny XLNet (permutation-LM pre-trained on the same fortunes, models/tiny-xlnet/README.md).</summary>
    public static string TinyXLNetModel => Path.Combine(Repository.Root(), "models", "tiny-xlnet");

    /// <summary>The setting of <paramref name="scale"/> for <paramref name="model"/> (bert or xlnet);
    /// <paramref name="seed"/> replaces the recipe's.</summary>
    public static CrossTaskSetting For(string scale, int? seed = null, string model = "bert")
    {
        if (model is not ("bert" or "xlnet")) throw new ArgumentException($"model '{model}': bert or xlnet");
        var fortunes = FortuneTasks.All.Select(t => t.Name).ToList();
        var tiny = model == "xlnet" ? TinyXLNetModel : TinyModel;
        // The tiny models learn at 1e-3 (a small model's rate; at 1e-4 BERT's topic task reached 50.9 % against 67.5 %).
        var setting = scale switch
        {
            "smoke" => new CrossTaskSetting(scale, tiny, fortunes, 0.5, new GlueRecipe { MaxUpdates = 10, BatchSize = 8, LearningRate = 1e-3 }, 32, 5),
            "tiny" => new CrossTaskSetting(scale, tiny, fortunes, 0.5, new GlueRecipe { MaxUpdates = 300, BatchSize = 32, LearningRate = 1e-3 }, 64, 10),
            // bert-base-uncased ($PARP_BERT) or xlnet-base-cased ($PARP_XLNET) from the hub in transformers' layout, GLUE
            // from $PARP_GLUE; the recipe of docs/paper.md §9.
            "paper" => new CrossTaskSetting(scale, PaperModel(model), GlueTask.All.Select(t => t.Name).ToList(), 0.5,
                new GlueRecipe { MaxUpdates = 10_000, BatchSize = 32, LearningRate = 3e-5 }, 128, 50),
            _ => throw new ArgumentException($"scale '{scale}': smoke, tiny or paper"),
        };
        return seed is int s ? setting with { Recipe = setting.Recipe with { Seed = s } } : setting;
    }

    static string PaperModel(string model) => model == "xlnet"
        ? Environment.GetEnvironmentVariable("PARP_XLNET") ?? "models/xlnet-base-cased"
        : Environment.GetEnvironmentVariable("PARP_BERT") ?? "models/bert-base-uncased";

    /// <summary>The full model fine-tuned on <paramref name="task"/>.</summary>
    public TextRunConfig Dense(string task) => Run(task, TextMethod.Dense, null, 0);

    /// <summary>A fixed mask from <paramref name="source"/> (<see cref="TextRunConfig.PreTrained"/> or a task) on <paramref name="task"/>.</summary>
    public TextRunConfig Fixed(string task, string source) => Run(task, TextMethod.FixedMask, source, Sparsity);

    /// <summary>PARP from the mask of <paramref name="source"/> on <paramref name="task"/>.</summary>
    public TextRunConfig Parp(string task, string source) => Run(task, TextMethod.Parp, source, Sparsity);

    TextRunConfig Run(string task, TextMethod method, string? source, double s) => new(Scale, Model, task, method, source, s, Recipe, MaxLength, ParpInterval);

    /// <summary>The mask sources: θ0 (MPI), then every task (OMP).</summary>
    public IReadOnlyList<string> Sources => [TextRunConfig.PreTrained, .. Tasks];

    /// <summary>Every run of the experiment: per target, the dense run, then a fixed and a PARP run from each source.</summary>
    public List<TextRunConfig> Runs() => Tasks.SelectMany(target =>
        Sources.SelectMany(source => new[] { Fixed(target, source), Parp(target, source) }).Prepend(Dense(target))).ToList();
}

/// <summary>One cell of E16's table: the target's metric from a source's mask, fixed and with PARP, and the dense run's.</summary>
public sealed record CrossTaskCell(string Source, string Target, string MetricName, double Dense, double Fixed, double Parp)
{
    public double Recovered => Parp - Fixed;
}

/// <summary>E16's table, heatmaps and summary from a setting's results.</summary>
public static class CrossTaskTables
{
    /// <summary>Every source × target cell (rows in <see cref="CrossTaskSetting.Sources"/> order, targets within).</summary>
    public static List<CrossTaskCell> Cells(CrossTaskSetting setting, IReadOnlyList<TextRunResult> results)
    {
        var byKey = results.ToDictionary(r => r.Key);
        TextRunResult Of(TextRunConfig run) => byKey.TryGetValue(run.Key, out var r) ? r
            : throw new KeyNotFoundException($"no result for {run.Task} {run.Label}: run the setting's runs first");
        return setting.Sources.SelectMany(source => setting.Tasks.Select(target =>
        {
            var dense = Of(setting.Dense(target));
            return new CrossTaskCell(source, target, dense.MetricName, dense.Metric, Of(setting.Fixed(target, source)).Metric, Of(setting.Parp(target, source)).Metric);
        })).ToList();
    }

    public static DataFrame ToDataFrame(IReadOnlyList<CrossTaskCell> cells) => new(
        new StringDataFrameColumn("mask from", cells.Select(c => c.Source)),
        new StringDataFrameColumn("target", cells.Select(c => c.Target)),
        new StringDataFrameColumn("metric", cells.Select(c => c.MetricName)),
        new DoubleDataFrameColumn("dense", cells.Select(c => Math.Round(c.Dense, 2))),
        new DoubleDataFrameColumn("fixed mask", cells.Select(c => Math.Round(c.Fixed, 2))),
        new DoubleDataFrameColumn("PARP", cells.Select(c => Math.Round(c.Parp, 2))),
        new DoubleDataFrameColumn("PARP − fixed", cells.Select(c => Math.Round(c.Recovered, 2))));

    /// <summary>A source × target heatmap of <paramref name="value"/> (percent: the scale spans
    /// [<paramref name="min"/>, <paramref name="max"/>]).</summary>
    public static Figure Heatmap(IReadOnlyList<CrossTaskCell> cells, Func<CrossTaskCell, double> value, string title, double min = 0, double max = 100)
    {
        var sources = cells.Select(c => c.Source).Distinct().ToList();
        var targets = cells.Select(c => c.Target).Distinct().ToList();
        var values = sources.Select(s => targets.Select(t => value(cells.Single(c => c.Source == s && c.Target == t))).ToArray()).ToArray();
        return Charts.Heatmap(title, targets, sources, values, "target task", "mask from", min, max);
    }

    /// <summary>
    /// The cross-task drop and what PARP recovers, over the off-diagonal cells (a source task's mask on another target):
    /// drop = fixed(target's own mask) − fixed(another task's mask), recovered = PARP − fixed from that other mask.
    /// </summary>
    public static (double Drop, double Recovered) Transfer(IReadOnlyList<CrossTaskCell> cells)
    {
        var own = cells.Where(c => c.Source == c.Target).ToDictionary(c => c.Target);
        var across = cells.Where(c => c.Source != c.Target && own.ContainsKey(c.Source) && own.ContainsKey(c.Target)).ToList();
        if (across.Count == 0) return (double.NaN, double.NaN);
        return (across.Average(c => own[c.Target].Fixed - c.Fixed), across.Average(c => c.Recovered));
    }

    /// <summary>Each cell's mean over the seeds' tables (every table the same sources and targets).</summary>
    public static List<CrossTaskCell> Mean(IReadOnlyList<IReadOnlyList<CrossTaskCell>> perSeed) => perSeed.Count == 1 ? [.. perSeed[0]]
        : perSeed[0].Select(first =>
        {
            var same = perSeed.Select(cells => cells.Single(c => c.Source == first.Source && c.Target == first.Target)).ToList();
            return first with { Dense = same.Average(c => c.Dense), Fixed = same.Average(c => c.Fixed), Parp = same.Average(c => c.Parp) };
        }).ToList();

    /// <summary>
    /// E16's claims paired over seeds, each seed's value a mean over the cells it concerns: the cross-task drop (the
    /// target's own mask − another task's, both fixed, over the source-target pairs), what PARP recovers (PARP − fixed
    /// from another task's mask, over the same pairs), and PARP − fixed from θ0's mask (over the targets). Positive:
    /// the first is higher (these are accuracies and correlations, not error rates).
    /// </summary>
    public static List<Experiments.PairedComparison> Paired(IReadOnlyList<(int Seed, IReadOnlyList<CrossTaskCell> Cells)> perSeed)
    {
        Experiments.PairedComparison Row(string name, string measures, Func<IReadOnlyList<CrossTaskCell>, (double A, double B)> value)
        {
            var values = perSeed.Select(x => (x.Seed, Value: value(x.Cells))).ToList();
            return new(name, measures, values.Select(v => (v.Seed, v.Value.A - v.Value.B)).ToList(),
                Experiments.PairedDifference.Of(values.Select(v => v.Value.A).ToList(), values.Select(v => v.Value.B).ToList()));
        }
        static List<CrossTaskCell> Across(IReadOnlyList<CrossTaskCell> cells) =>
            cells.Where(c => c.Source != c.Target && c.Source != TextRunConfig.PreTrained).ToList();
        static double Own(IReadOnlyList<CrossTaskCell> cells, string target) => cells.Single(c => c.Source == target && c.Target == target).Fixed;
        return
        [
            Row("own − another task's mask, fixed", "the cross-task drop (BERT-Ticket's observation)",
                cells => (Across(cells).Average(c => Own(cells, c.Target)), Across(cells).Average(c => c.Fixed))),
            Row("PARP − fixed, another task's mask", "what PARP recovers of it (the paper's E16 claim)",
                cells => (Across(cells).Average(c => c.Parp), Across(cells).Average(c => c.Fixed))),
            Row("PARP − fixed, θ0's mask (MPI)", "what PARP adds to magnitude pruning of θ0",
                cells => (cells.Where(c => c.Source == TextRunConfig.PreTrained).Average(c => c.Parp),
                          cells.Where(c => c.Source == TextRunConfig.PreTrained).Average(c => c.Fixed))),
        ];
    }

    /// <summary>One sentence for the notebook's end: the drop and the recovery, in metric points.</summary>
    public static string Summary(IReadOnlyList<CrossTaskCell> cells)
    {
        var (drop, recovered) = Transfer(cells);
        int pairs = cells.Count(c => c.Source != c.Target && c.Source != TextRunConfig.PreTrained);
        return $"A mask found on another task changes the target's metric by {Experiments.PairedDifference.Signed(-drop)} points against the target's own mask " +
               $"(fixed masks, mean over {pairs} source-target pairs); PARP from that mask changes it by {Experiments.PairedDifference.Signed(recovered)} points " +
               "against the fixed mask.";
    }
}
