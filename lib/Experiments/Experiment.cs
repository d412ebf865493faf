using Microsoft.Data.Analysis;
using Parp.IO;
using Parp.Plots;
using Parp.Pruning;
using Parp.Runtime;
using Parp.Training;
using static TorchSharp.torch;

namespace Parp.Experiments;

/// <summary>
/// One experiment notebook's parameters and what it does with them: the settings of the two tracks at its scale and
/// seed, its runs (planned, trained or read back, with their costs), the mask studies over them, and where its results
/// and figures are saved. In a dry run nothing trains or is read: the runs are listed and checked, and every result and
/// analysis is empty, so a notebook runs through at any scale in seconds.
/// </summary>
/// <param name="name">The experiment's folder name ("e5-e6"); its outputs go to <c>experiments/NAME-SCALE[-seedN][-mixed-bf16]</c>.</param>
/// <param name="scale">smoke, tiny or paper.</param>
/// <param name="seed">The fine-tuning seed; null for the default (<see cref="FineTuneRecipe.DefaultSeed"/>).</param>
/// <param name="device">auto (CUDA when LibTorch sees a GPU; PARP_DEVICE overrides), cpu, cuda or cuda:N.</param>
/// <param name="dryRun">True: list the runs, train and analyse nothing.</param>
/// <param name="precision">float32, or mixed-bf16: bf16 matrix products on float32 weights in every run
/// (<see cref="FineTuneRecipe.MixedBf16"/>); its runs and outputs are kept apart from float32's.</param>
public sealed class Experiment(string name, string scale, int? seed = null, string device = "auto", bool dryRun = false,
    string precision = "float32")
{
    public string Name => name;
    public string Scale => scale;
    public int Seed { get; } = seed ?? FineTuneRecipe.DefaultSeed;
    public bool DryRun => dryRun;
    public bool MixedBf16 { get; } = CheckPrecision(precision);

    static bool CheckPrecision(string precision)
    {
        if (ParameterRules.Problem("precision", precision, null) is { } problem)
            throw new ArgumentException($"precision '{precision}': {problem}");
        bool mixed = precision == "mixed-bf16";
        if (mixed && !Processor.HasNativeBf16)
            Console.Error.WriteLine($"warning: precision mixed-bf16 on a processor without bf16 instructions ({Processor.Description}): " +
                "LibTorch emulates bf16 there, many times slower than float32");
        return mixed;
    }

    /// <summary>The English track (letters, WER) at this scale, seed and precision.</summary>
    public ExperimentSetting English => ExperimentSetting.English(scale).WithSeed(Seed).WithMixedBf16(MixedBf16);

    /// <summary>The phone track (the CommonVoice languages, PER) at this scale and seed.</summary>
    public ExperimentSetting Phones => ExperimentSetting.Multilingual(scale).WithSeed(Seed).WithMixedBf16(MixedBf16);

    /// <summary>Every fine-tuning run's cost, as the <c>Run</c> methods count it (docs/paper.md §10).</summary>
    public CostLedger Costs { get; } = new();

    /// <summary>The mask analyses over this experiment's finished runs (empty in a dry run).</summary>
    public MaskStudies Masks => new(dryRun: dryRun);

    /// <summary>Where this experiment's results and figures go: a seed other than the default gets its own folder.</summary>
    public string OutputFolder => Artifacts.Experiment($"{name}-{scale}" + (Seed == FineTuneRecipe.DefaultSeed ? "" : $"-seed{Seed}")
        + (MixedBf16 ? "-mixed-bf16" : ""));

    /// <summary>The runs before anything runs: what each is, its updates, its key and whether it is cached.</summary>
    public DataFrame Plan(IReadOnlyList<RunConfig> runs) => ResultTables.Plan(runs);

    /// <summary>
    /// Trains the runs (or reads them back from the cache), each after the runs it needs and several at once on the CPU
    /// (<see cref="RunParallelism"/>), and returns one result per run and language scored; <paramref name="show"/>
    /// receives the progress a few times a second, one line per run in flight, and a summary at the end. A dry run
    /// checks the runs and returns nothing.
    /// </summary>
    public List<RunResult> Run(IReadOnlyList<RunConfig> runs, Action<string>? show = null) => Run(runs, [], show).Results;

    /// <summary>
    /// As <see cref="Run(IReadOnlyList{RunConfig}, Action{string})"/>, with <paramref name="alongside"/> trained in the
    /// same schedule and returned apart, their costs not counted in <see cref="Costs"/>: the same subnetworks again with
    /// other seeds, which E14's cost of one subnetwork must not count. One schedule keeps both cores busy where two
    /// calls would leave one idle while the first call's last run trains.
    /// </summary>
    public (List<RunResult> Results, List<RunResult> Alongside) Run(IReadOnlyList<RunConfig> runs, IReadOnlyList<RunConfig> alongside,
        Action<string>? show = null)
    {
        var lines = new ThrottledProgress<string>(text => show?.Invoke(text));
        var inFlight = new SortedDictionary<int, ExperimentProgress>();
        var progress = new SynchronousProgress<ExperimentProgress>(p =>
        {
            if (p.Finished) inFlight.Remove(p.RunIndex);
            else inFlight[p.RunIndex] = p;
            if (inFlight.Count > 0) lines.Report(string.Join("\n", inFlight.Values));
        });
        var results = ExperimentRunner.Run(runs, alongside, dryRun ? CPU : TorchInfo.Resolve(device), ledger: Costs, progress: progress, dryRun: dryRun);
        lines.Flush();
        show?.Invoke(ExperimentRunner.Summary([.. runs, .. alongside], [.. results.Results, .. results.Alongside]));
        return results;
    }

    /// <summary>The training loss of the runs against updates (empty in a dry run).</summary>
    public Figure TrainingCurves(IEnumerable<RunConfig> runs, string title) => ExperimentPlots.TrainingCurves(dryRun ? [] : runs, title);

    /// <summary>Saves the results (<c>results.csv</c>) and the figures (HTML, and PNG where Chromium is installed) in
    /// <see cref="OutputFolder"/>; returns the files written (none in a dry run).</summary>
    public List<string> Save(IReadOnlyList<RunResult> results, params (string Name, Figure Figure, string Title)[] figures) =>
        ExperimentOutputs.Save(OutputFolder, results, figures);
}
