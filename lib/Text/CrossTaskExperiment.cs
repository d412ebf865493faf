using Microsoft.Data.Analysis;
using Parp.Experiments;
using Parp.IO;
using Parp.Plots;
using Parp.Runtime;
using static TorchSharp.torch;

namespace Parp.Text;

/// <summary>
/// E16 as a notebook drives it: the setting of a scale for each seed, the plan, the runs (trained into the cache or read
/// back), the tables and the saving, with the conventions of the speech experiments (a dry run lists and trains nothing;
/// seeds other than the setting's write beside the default's). <paramref name="seeds"/> empty: the recipe's seed alone.
/// </summary>
public sealed class CrossTaskExperiment(string scale, IReadOnlyList<int>? seeds = null, string device = "auto", bool dryRun = false, string model = "bert")
{
    /// <summary>One setting per seed, in the order given (the recipe's seed when none is).</summary>
    public IReadOnlyList<CrossTaskSetting> Settings { get; } = seeds is { Count: > 0 }
        ? seeds.Distinct().Select(s => CrossTaskSetting.For(scale, s, model)).ToList()
        : [CrossTaskSetting.For(scale, null, model)];

    /// <summary>The first seed's setting (the tasks, sources, sparsity and recipe are every seed's).</summary>
    public CrossTaskSetting Setting => Settings[0];
    public bool DryRun => dryRun;

    /// <summary>Every seed's runs, each once.</summary>
    public List<TextRunConfig> Runs() => Settings.SelectMany(s => s.Runs()).DistinctBy(r => r.Key).ToList();

    /// <summary>Where the results and figures go (BERT's beside XLNet's, other seeds beside the default's).</summary>
    public string OutputFolder => Artifacts.Experiment($"e16-{scale}" + (model == "bert" ? "" : "-" + model) + (seeds is not { Count: > 0 } ? ""
        : Settings.Count == 1 ? $"-seed{Setting.Recipe.Seed}" : "-seeds-" + string.Join("-", Settings.Select(s => s.Recipe.Seed))));

    /// <summary>The runs before anything runs: task, method, mask source, key, and whether the cache has them.</summary>
    public DataFrame Plan(IReadOnlyList<TextRunConfig> runs) => new(
        new StringDataFrameColumn("task", runs.Select(r => r.Task)),
        new StringDataFrameColumn("run", runs.Select(r => r.Label)),
        new DoubleDataFrameColumn("sparsity", runs.Select(r => r.Sparsity)),
        new Int32DataFrameColumn("updates", runs.Select(r => r.Recipe.MaxUpdates)),
        new StringDataFrameColumn("key", runs.Select(r => r.Key)),
        new BooleanDataFrameColumn("cached", runs.Select(r => File.Exists(Path.Combine(CrossTaskRuns.FolderOf(r, ExperimentRunner.DefaultCache), "result.json")))));

    /// <summary>Trains the runs or reads them back; <paramref name="show"/> hears which run is training. A dry run
    /// checks the runs and returns nothing.</summary>
    public List<TextRunResult> Run(IReadOnlyList<TextRunConfig> runs, Action<string>? show = null)
    {
        foreach (var run in runs) run.Validate();
        if (dryRun)
        {
            CrossTaskRuns.Record(runs);                 // a sweep's plan (parp-sweep plan) asks for them this way
            return [];
        }
        var results = CrossTaskRuns.Run(runs, TorchInfo.Resolve(device), ExperimentRunner.DefaultCache, new SynchronousProgress<string>(line => show?.Invoke(line)));
        show?.Invoke($"{results.Count} runs: {results.Count(r => !r.FromCache)} trained here, {results.Count(r => r.FromCache)} read back from the cache");
        return results;
    }

    /// <summary>Each seed's source × target cells (none in a dry run).</summary>
    public List<(int Seed, IReadOnlyList<CrossTaskCell> Cells)> CellsPerSeed(IReadOnlyList<TextRunResult> results) => dryRun ? []
        : Settings.Select(s => (s.Recipe.Seed, (IReadOnlyList<CrossTaskCell>)CrossTaskTables.Cells(s, results))).ToList();

    /// <summary>The cells, each the mean over the seeds (none in a dry run).</summary>
    public List<CrossTaskCell> Cells(IReadOnlyList<TextRunResult> results) =>
        CellsPerSeed(results) is { Count: > 0 } perSeed ? CrossTaskTables.Mean(perSeed.Select(x => x.Cells).ToList()) : [];

    /// <summary>E16's claims paired over the seeds (<see cref="CrossTaskTables.Paired"/>; none in a dry run).</summary>
    public List<PairedComparison> Paired(IReadOnlyList<TextRunResult> results) =>
        CellsPerSeed(results) is { Count: > 0 } perSeed ? CrossTaskTables.Paired(perSeed) : [];

    /// <summary>Saves the tables (<c>cross-task.csv</c>, the seeds' mean; <c>comparisons.csv</c>, paired over seeds) and the figures; returns the files written (none in a dry run).</summary>
    public List<string> Save(IReadOnlyList<CrossTaskCell> cells, IReadOnlyList<PairedComparison> paired, params (string Name, Figure Figure, string Title)[] figures)
    {
        if (cells.Count == 0) return [];
        var written = new List<string>
        {
            ExperimentOutputs.SaveTable(OutputFolder, "cross-task", CrossTaskTables.ToDataFrame(cells)),
            ExperimentOutputs.SaveTable(OutputFolder, "comparisons", PairedComparisons.ToDataFrame(paired)),
        };
        foreach (var (name, figure, title) in figures) written.AddRange(figure.Save(OutputFolder, name, title));
        return written;
    }
}
