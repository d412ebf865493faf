using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Analysis;
using Parp.IO;
using Parp.Models;
using Parp.Pruning;
using Parp.Training;
using static TorchSharp.torch;

namespace Parp.Experiments;

/// <summary>
/// One fine-tuning run of experiment E5 (PARP-SPEC §9): everything that decides its result. Its <see cref="Key"/> is a
/// hash of all of it, and names its cache folder.
/// </summary>
/// <param name="Method">"dense" (no pruning), "mpi" (fixed MPI mask of θ0) or "parp" (Algorithm 1 from the MPI mask).</param>
/// <param name="Sparsity">Target sparsity of the pool (0 for dense).</param>
/// <param name="Source">Where fine-tuning starts: the pre-trained model (or a random preset at smoke scale).</param>
/// <param name="Recipe">The fine-tuning recipe, seed included.</param>
/// <param name="CorpusScale">Generated corpus scale (smoke, tiny) or, at paper scale, a manifest folder.</param>
/// <param name="Language">Language code of the corpus.</param>
/// <param name="TrainSplit">Labelled split fine-tuned on (10min, 1h, ...).</param>
/// <param name="EvalSplit">Split scored (test).</param>
/// <param name="ParpInterval">PARP's re-prune interval n (§3.7); ignored by the other methods.</param>
public sealed record RunConfig(string Method, double Sparsity, ModelSource Source, FineTuneRecipe Recipe,
    string CorpusScale, string Language, string TrainSplit, string EvalSplit, int ParpInterval)
{
    /// <summary>Canonical JSON of the configuration (what is hashed, and saved as <c>config.json</c>).</summary>
    public JsonObject ToJson() => new()
    {
        ["runner"] = RunnerVersion,
        ["method"] = Method,
        ["sparsity"] = Sparsity.ToString("R", CultureInfo.InvariantCulture),
        ["model_source"] = Source.Folder is not null ? "folder:" + SourceName(Source.Folder) : "random:" + Source.Preset,
        ["recipe"] = Recipe.ToJson(),
        ["data"] = new JsonObject { ["corpus"] = CorpusScale, ["language"] = Language, ["train"] = TrainSplit, ["eval"] = EvalSplit },
        ["parp_interval"] = Method == "parp" ? ParpInterval : 0,
    };

    /// <summary>Part of every key: raise it when what a run computes or records changes, so old cached results are not reused.</summary>
    public const int RunnerVersion = 2;

    /// <summary>16 hex digits of SHA-256 over <see cref="ToJson"/>: stable across processes and machines.</summary>
    public string Key => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(ToJson().ToJsonString()))).ToLowerInvariant()[..16];

    // A folder inside the repository is named relative to it, so a key does not depend on where the checkout lives.
    static string SourceName(string folder)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        try
        {
            var root = Repository.Root();
            var relative = Path.GetRelativePath(root, full);
            if (!relative.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(relative)) return relative.Replace('\\', '/');
        }
        catch (Exception e) when (e is DirectoryNotFoundException or InvalidOperationException) { }
        return full.Replace('\\', '/');
    }
}

/// <summary>One finished run: its error rate on the eval split and what it cost.</summary>
/// <param name="Method">As in <see cref="RunConfig"/>.</param>
/// <param name="Sparsity">Target sparsity (0 for dense).</param>
/// <param name="Key">The run's cache key.</param>
/// <param name="ErrorRate">WER (letters) or PER (phones) on the eval split, in percent.</param>
/// <param name="Metric">"WER" or "PER".</param>
/// <param name="CharacterErrorRate">CER in percent for letters (null for phones): the finer measure where WER is near 100 %.</param>
/// <param name="MeasuredSparsity">The pool's measured sparsity of the final model.</param>
/// <param name="Updates">Updates trained.</param>
/// <param name="TrainSeconds">The trainer's wall time (carried over a resume).</param>
/// <param name="FromCache">True when this process read the result back instead of training.</param>
public sealed record RunResult(string Method, double Sparsity, string Key, double ErrorRate, string Metric,
    double? CharacterErrorRate, double MeasuredSparsity, int Updates, double TrainSeconds, bool FromCache);

/// <summary>What the runner reports while it works (for a notebook display).</summary>
public sealed record ExperimentProgress(int RunIndex, int RunCount, RunConfig Run, TrainingProgress? Training)
{
    public override string ToString() => $"run {RunIndex + 1}/{RunCount} {Run.Method} s={Run.Sparsity:0.##}: "
        + (Training is null ? "starting" : Training.ToString());
}

/// <summary>
/// The experiment's settings at one scale. Use <see cref="ForScale"/>; the recipes are the presets' with the scale's
/// budget. Dense and MPI use <see cref="FixedRecipe"/> (the fixed-mask recipe: as the full one), PARP <see cref="ParpRecipe"/>.
/// </summary>
public sealed record ExperimentScale(string Name, ModelSource Source, string CorpusScale, string Language, string TrainSplit,
    string EvalSplit, FineTuneRecipe FixedRecipe, FineTuneRecipe ParpRecipe, IReadOnlyList<double> Sparsities, int ParpInterval)
{
    /// <summary>
    /// smoke: the random smoke model on the smoke corpus, 6 updates, s ∈ {0.5, 0.9} (seconds on a CPU; tests and CI).
    /// tiny: the shipped pre-trained Tiny model on en 10min, scored on test; the budget is measured on this 2-core CPU
    /// (see lib/Experiments/README.md) so that dense + 2 methods × 3 sparsities fit about 15 minutes.
    /// paper: the PARP-SPEC §5.2 BASE 10min presets (12k updates, n = 50) from wav2vec 2.0 BASE; for a dry run
    /// (<see cref="ParpVsMpi.Plan"/>) here, a GPU and LibriSpeech otherwise.
    /// </summary>
    public static ExperimentScale ForScale(string scale, string language = "en") => scale switch
    {
        "smoke" => new("smoke", ModelSource.Random("smoke"), "smoke", language, "10min", "test",
            FineTunePresets.Get("smoke") with { MaxUpdates = 6, FreezeFinetuneUpdates = 0, MaxBatchSize = 2, UpdateFreq = 1 },
            FineTunePresets.Get("smoke") with { MaxUpdates = 6, FreezeFinetuneUpdates = 0, MaxBatchSize = 2, UpdateFreq = 1 },
            [0.5, 0.9], ParpInterval: 2),
        "tiny" => new("tiny", ModelSource.FromFolder(ShippedModels.TinyPretrained), "tiny", language, "10min", "test",
            TinyBudget, TinyBudget, [0.5, 0.7, 0.9], ParpInterval: 10),
        "paper" => new("paper", ModelSource.FromFolder(Path.Combine(Repository.Root(), "models", "wav2vec2-base")), "librispeech",
            language, "10min", "test", FineTunePresets.Get("base-10min-fixed"), FineTunePresets.Get("base-10min-parp"),
            [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9], ParpInterval: 50),
        _ => throw new ArgumentException($"scale '{scale}' is not one of smoke, tiny, paper"),
    };

    /// <summary>The tiny preset cut to the CPU budget (measured: see lib/Experiments/README.md).</summary>
    public static FineTuneRecipe TinyBudget { get; } = FineTunePresets.Get("tiny") with { MaxUpdates = 300, MaxBatchSize = 8 };

    /// <summary>Every run of the experiment: dense once, then MPI and PARP at each sparsity.</summary>
    public IReadOnlyList<RunConfig> Runs(IEnumerable<double>? sparsities = null, int? seed = null)
    {
        var fixedRecipe = seed is int s1 ? FixedRecipe with { Seed = s1 } : FixedRecipe;
        var parpRecipe = seed is int s2 ? ParpRecipe with { Seed = s2 } : ParpRecipe;
        RunConfig Make(string method, double s, FineTuneRecipe r) => new(method, s, Source, r, CorpusScale, Language, TrainSplit, EvalSplit, ParpInterval);
        var list = new List<RunConfig> { Make("dense", 0, fixedRecipe) };
        foreach (var s in sparsities ?? Sparsities)
        {
            list.Add(Make("mpi", s, fixedRecipe));
            list.Add(Make("parp", s, parpRecipe));
        }
        return list;
    }
}

/// <summary>
/// Experiment E5 (PARP-SPEC §9): error rate against sparsity for the dense model, MPI (fixed mask) and PARP, each
/// fine-tuned from the same pre-trained model. Each run lives in <c>CACHE/&lt;key&gt;/</c> (<see cref="RunConfig.Key"/>):
/// <c>config.json</c>, the resumable <see cref="FineTuning.Run"/> folder <c>run/</c>, and once evaluated
/// <c>result.json</c>, which a later call reads back without loading a model or training. A stopped run resumes.
/// </summary>
public static class ParpVsMpi
{
    /// <summary>artifacts/cache/experiments under the repository root.</summary>
    public static string DefaultCache => Path.Combine(Repository.Root(), "artifacts", "cache", "experiments");

    /// <summary>The runs without running anything (the paper scale's dry run).</summary>
    public static IReadOnlyList<RunConfig> Plan(ExperimentScale scale, IEnumerable<double>? sparsities = null, int? seed = null) =>
        scale.Runs(sparsities, seed);

    /// <summary>Runs (or reads back) every run; each finished run's cost goes to <paramref name="ledger"/>.</summary>
    public static List<RunResult> Run(IReadOnlyList<RunConfig> runs, Device? device = null, string? cacheRoot = null,
        CostLedger? ledger = null, IProgress<ExperimentProgress>? progress = null, CancellationToken cancellation = default)
    {
        device ??= CPU;
        cacheRoot ??= DefaultCache;
        var data = new Dictionary<(string, string, string), LabelledData>();
        LabelledData Data(RunConfig c, string split) =>
            data.TryGetValue((c.CorpusScale, c.Language, split), out var d) ? d
            : data[(c.CorpusScale, c.Language, split)] = LabelledData.Generated(c.CorpusScale, c.Language, split, c.Recipe.NormalizeAudio);
        var results = new List<RunResult>();
        for (int i = 0; i < runs.Count; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            var run = runs[i];
            int index = i;
            progress?.Report(new ExperimentProgress(index, runs.Count, run, null));
            var result = RunOne(run, cacheRoot, device, Data, new ForwardProgress(p => progress?.Report(new ExperimentProgress(index, runs.Count, run, p))), cancellation);
            ledger?.Add(new RunCost(run.Method, $"{run.Method} s={run.Sparsity:0.##}", run.Method == "dense" ? 0 : run.Sparsity,
                run.Method == "dense" ? 1 : run.Sparsity, result.Updates, result.TrainSeconds));
            results.Add(result);
        }
        return results;
    }

    sealed class ForwardProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }

    /// <summary>The cache folder of one run.</summary>
    public static string FolderOf(RunConfig run, string? cacheRoot = null) => Path.Combine(cacheRoot ?? DefaultCache, run.Key);

    static RunResult RunOne(RunConfig run, string cacheRoot, Device device, Func<RunConfig, string, LabelledData> data,
        IProgress<TrainingProgress> progress, CancellationToken cancellation)
    {
        var folder = FolderOf(run, cacheRoot);
        var resultPath = Path.Combine(folder, "result.json");
        if (File.Exists(resultPath))
            return JsonSerializer.Deserialize<RunResult>(File.ReadAllText(resultPath), Json)! with { FromCache = true };
        Directory.CreateDirectory(folder);
        AtomicFile.WriteAllText(Path.Combine(folder, "config.json"), run.ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        var train = data(run, run.TrainSplit);
        var callbacks = new List<ITrainingCallback>();
        if (run.Method != "dense")
        {
            // The MPI mask of θ0: the pre-trained model's own magnitudes (the head is outside the pool).
            Mask mask;
            using (var pretrained = FineTuning.CreateModel(run.Source, run.Recipe, train.Vocabulary.Count, device))
                mask = PruningMethods.Mpi(pretrained, run.Sparsity);
            callbacks.Add(run.Method switch
            {
                "mpi" => new FixedMaskCallback(mask),
                "parp" => new ParpCallback(new ParpOptions(run.Sparsity, run.ParpInterval), initialMask: mask),
                _ => throw new ArgumentException($"unknown method '{run.Method}' (dense, mpi, parp)"),
            });
        }
        try
        {
            var (model, training) = FineTuning.Run(Path.Combine(folder, "run"), run.Source, run.Recipe, train, device, callbacks,
                progress, cancellation);
            using (model)
            {
                if (!training.Completed) throw new OperationCanceledException($"run {run.Key} stopped at update {training.Updates}");
                var eval = Evaluator.Evaluate(model, data(run, run.EvalSplit), run.EvalSplit, device, cancellation: cancellation);
                eval.SaveSummary(Path.Combine(folder, "evaluation.json"));
                var result = new RunResult(run.Method, run.Sparsity, run.Key, eval.Primary.Rate,
                    eval.Kind == TranscriptKind.Letters ? "WER" : "PER", eval.Cer, PrunablePool.Of(model).MeasuredSparsity(),
                    training.Updates, training.ElapsedSeconds, FromCache: false);
                AtomicFile.WriteAllText(resultPath, JsonSerializer.Serialize(result, Json));
                return result;
            }
        }
        finally
        {
            foreach (var c in callbacks) (c as IDisposable)?.Dispose();
        }
    }

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>The results as a table: method, sparsity, metric, error rate (%), measured sparsity, updates, seconds, cached.</summary>
    public static DataFrame ToDataFrame(IEnumerable<RunResult> results)
    {
        var rows = results.ToList();
        return new DataFrame(
            new StringDataFrameColumn("method", rows.Select(r => r.Method)),
            new DoubleDataFrameColumn("sparsity", rows.Select(r => r.Sparsity)),
            new StringDataFrameColumn("metric", rows.Select(r => r.Metric)),
            new DoubleDataFrameColumn("error_rate_percent", rows.Select(r => Math.Round(r.ErrorRate, 2))),
            new DoubleDataFrameColumn("cer_percent", rows.Select(r => r.CharacterErrorRate is double c ? Math.Round(c, 2) : (double?)null)),
            new DoubleDataFrameColumn("measured_sparsity", rows.Select(r => Math.Round(r.MeasuredSparsity, 4))),
            new Int32DataFrameColumn("updates", rows.Select(r => r.Updates)),
            new DoubleDataFrameColumn("train_seconds", rows.Select(r => Math.Round(r.TrainSeconds, 1))),
            new BooleanDataFrameColumn("cached", rows.Select(r => r.FromCache)),
            new StringDataFrameColumn("key", rows.Select(r => r.Key)));
    }

    /// <summary>The results as CSV (invariant culture).</summary>
    public static void SaveCsv(IEnumerable<RunResult> results, string path)
    {
        var lines = new List<string> { "method,sparsity,metric,error_rate_percent,cer_percent,measured_sparsity,updates,train_seconds,key" };
        lines.AddRange(results.Select(r => string.Join(',', r.Method, r.Sparsity.ToString("R", CultureInfo.InvariantCulture), r.Metric,
            r.ErrorRate.ToString("R", CultureInfo.InvariantCulture),
            r.CharacterErrorRate?.ToString("R", CultureInfo.InvariantCulture) ?? "", r.MeasuredSparsity.ToString("R", CultureInfo.InvariantCulture),
            r.Updates.ToString(CultureInfo.InvariantCulture), r.TrainSeconds.ToString("F1", CultureInfo.InvariantCulture), r.Key)));
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        AtomicFile.WriteAllLines(path, lines);
    }
}
