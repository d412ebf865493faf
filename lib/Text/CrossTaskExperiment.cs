using Microsoft.Data.Analysis;
using Parp.Experiments;
using Parp.IO;
using Parp.Plots;
using Parp.Runtime;
using static TorchSharp.torch;

namespace Parp.Text;

/// <summary>
/// E16 as a notebook drives it: the setting of a scale and seed, the plan, the runs (trained into the cache or read
/// back), the table and the saving, with the conventions of the speech experiments (a dry run lists and trains nothing;
/// a seed other than the setting's writes beside the default's).
/// </summary>
public sealed class CrossTaskExperiment(string scale, int? seed = null, string device = "auto", bool dryRun = false, string model = "bert")
{
    public CrossTaskSetting Setting { get; } = CrossTaskSetting.For(scale, seed, model);
    public bool DryRun => dryRun;

    /// <summary>Where the results and figures go (BERT's beside XLNet's).</summary>
    public string OutputFolder => Artifacts.Experiment($"e16-{scale}" + (model == "bert" ? "" : "-" + model) + (seed is null ? "" : $"-seed{seed}"));

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

    /// <summary>The source × target cells (none in a dry run).</summary>
    public List<CrossTaskCell> Cells(IReadOnlyList<TextRunResult> results) => dryRun ? [] : CrossTaskTables.Cells(Setting, results);

    /// <summary>Saves the table (<c>cross-task.csv</c>) and the figures; returns the files written (none in a dry run).</summary>
    public List<string> Save(IReadOnlyList<CrossTaskCell> cells, params (string Name, Figure Figure, string Title)[] figures)
    {
        if (cells.Count == 0) return [];
        var written = new List<string> { ExperimentOutputs.SaveTable(OutputFolder, "cross-task", CrossTaskTables.ToDataFrame(cells)) };
        foreach (var (name, figure, title) in figures) written.AddRange(figure.Save(OutputFolder, name, title));
        return written;
    }
}
