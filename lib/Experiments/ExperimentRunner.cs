using System.Text.Json;
using Parp.Data;
using Parp.Experiments.Methods;
using Parp.IO;
using Parp.Pruning;
using Parp.Training;
using static TorchSharp.torch;

namespace Parp.Experiments;

/// <summary>
/// Schedules experiment runs (<see cref="RunConfig"/>): each run once, after the runs it depends on (OMP's and IMP's
/// dense run), read back from its cache folder (<see cref="RunFolder"/>) when it has finished and trained there
/// otherwise (a stopped run resumes). What a method does lives in its <see cref="PruningMethod"/>; where a run's files
/// are, in <see cref="RunFolder"/>.
/// </summary>
public static class ExperimentRunner
{
    /// <summary><c>experiments/</c> in the cache (<see cref="Artifacts.Cache"/>).</summary>
    public static string DefaultCache => Path.Combine(Artifacts.Cache, "experiments");

    /// <summary>
    /// Reads back or trains every run, in order, each after the runs it depends on, and returns one result per run and
    /// language scored. Each run's cost, and its dependencies' (once each), goes to <paramref name="ledger"/>
    /// (docs/paper.md §10). A dry run only checks the runs and returns no result.
    /// </summary>
    public static List<RunResult> Run(IReadOnlyList<RunConfig> runs, Device? device = null, string? cacheRoot = null,
        CostLedger? ledger = null, IProgress<ExperimentProgress>? progress = null, CancellationToken cancellation = default,
        bool dryRun = false)
    {
        foreach (var run in runs) run.Validate();
        if (dryRun) return [];
        var context = new Context(device ?? CPU, cacheRoot ?? DefaultCache, cancellation);
        var results = new List<RunResult>();
        var counted = new HashSet<(string, string)>();
        for (int i = 0; i < runs.Count; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            int index = i;
            var run = runs[i];
            progress?.Report(new ExperimentProgress(index, runs.Count, run, null));
            context.Progress = new ForwardProgress(p => progress?.Report(new ExperimentProgress(index, runs.Count, run, p)));
            var own = context.Finished(run);
            results.AddRange(own);
            if (ledger is null) continue;
            foreach (var cost in run.Method.Costs(run, own[0], context))
                if (counted.Add((cost.Method, cost.Purpose))) ledger.Add(cost);
        }
        return results;
    }

    /// <summary>One line on what a call did: runs trained and read back, and the training time.</summary>
    public static string Summary(IReadOnlyList<RunConfig> runs, IReadOnlyList<RunResult> results)
    {
        if (results.Count == 0) return $"{runs.Count} runs planned, none run (dry run)";
        var byRun = results.GroupBy(r => r.Key).Select(g => g.First()).ToList();
        int trained = byRun.Count(r => !r.FromCache);
        return $"{byRun.Count} runs: {trained} trained here ({byRun.Where(r => !r.FromCache).Sum(r => r.TrainSeconds):0} s of training), " +
               $"{byRun.Count - trained} read from the cache; their training took {byRun.Sum(r => r.TrainSeconds):0} s in all";
    }

    sealed class ForwardProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }

    /// <summary>One call's state: the device, the cache, and the data opened so far.</summary>
    sealed class Context(Device device, string cacheRoot, CancellationToken cancellation) : IRunContext
    {
        readonly Dictionary<string, LabelledData> data = [];
        public IProgress<TrainingProgress>? Progress { get; set; }
        public Device Device => device;
        public string CacheRoot => cacheRoot;

        /// <summary>The run's results: read back when its folder holds a sound finished run, trained otherwise.</summary>
        public IReadOnlyList<RunResult> Finished(RunConfig run)
        {
            var folder = RunFolder.Of(run, cacheRoot);
            return folder.Finished(run, warning => Console.Error.WriteLine("warning: " + warning)) ?? Train(run, folder);
        }

        LabelledData Data(RunConfig run, string language, string split)
        {
            var key = $"{run.CorpusScale}|{language}|{split}|{run.Recipe.NormalizeAudio}";
            if (data.TryGetValue(key, out var d)) return d;
            return data[key] = run.CorpusScale is "smoke" or "tiny"
                ? LabelledData.Generated(run.CorpusScale, language, split, run.Recipe.NormalizeAudio)
                : LabelledData.Open(Path.Combine(Repository.Root(), run.CorpusScale.Replace("{lang}", language)), split, run.Recipe.NormalizeAudio);
        }

        public LabelledData TrainData(RunConfig run)
        {
            if (run.Languages.Count == 1) return Data(run, run.Language, run.TrainSplit);
            var key = $"joint|{run.CorpusScale}|{run.Language}|{run.TrainSplit}|{run.Recipe.NormalizeAudio}";
            if (data.TryGetValue(key, out var d)) return d;
            return data[key] = JointLabelledData.Of(run.Languages.Select(l => (l, Data(run, l, run.TrainSplit))).ToList());
        }

        // θ0 once, the method's callback from it, the fine-tuning (resumed if stopped), the masks, the evaluation per
        // language scored, and the result last.
        List<RunResult> Train(RunConfig run, RunFolder folder)
        {
            if (run.Method.DependsOn is { } dependency) Finished(dependency);   // made first, once (it is cached)
            cancellation.ThrowIfCancellationRequested();
            folder.WriteConfig(run);
            var train = TrainData(run);
            run.Method.Prepare(run, this);
            var theta0 = FineTuning.CreateModel(run.Source, run.Recipe, train.Vocabulary.Count, device);
            ITrainingCallback? callback;
            try { callback = run.Method.Callback(run, theta0, this); }
            catch { theta0.Dispose(); throw; }
            try
            {
                var (model, training) = FineTuning.Train(folder.TrainingFolder, theta0, run.Source, run.Recipe, train, device,
                    callback is null ? [] : [callback], Progress, cancellation);
                using (model)
                {
                    if (!training.Completed) throw new OperationCanceledException($"run {run.Key} ({run.Label}) stopped at update {training.Updates}");
                    folder.SaveMasks(run, callback);
                    double measured = PrunablePool.Of(model).MeasuredSparsity();
                    var results = new List<RunResult>();
                    foreach (var language in run.Languages)
                    {
                        var eval = Data(run, language, run.EvalSplit);
                        if (run.Languages.Count > 1) eval = eval.InVocabulary(train.Vocabulary);
                        var e = Evaluator.Evaluate(model, eval, run.EvalSplit, device, cancellation: cancellation);
                        e.SaveSummary(folder.Evaluation(language));
                        results.Add(new RunResult(run.Method.Name, run.Label, run.Sparsity, language, run.Language, run.Key, e.Primary.Rate,
                            e.Kind == TranscriptKind.Letters ? "WER" : "PER", e.Cer, measured, training.Updates, training.ElapsedSeconds, FromCache: false));
                    }
                    folder.WriteResults(results);
                    return results;
                }
            }
            finally { (callback as IDisposable)?.Dispose(); }
        }
    }
}

/// <summary>What the runner reports while it works (for a notebook display).</summary>
public sealed record ExperimentProgress(int RunIndex, int RunCount, RunConfig Run, TrainingProgress? Training)
{
    public override string ToString() => $"run {RunIndex + 1}/{RunCount} {Run.Label} {Run.Language} s={Run.Sparsity:0.##}: "
        + (Training is null ? "starting" : Training.ToString());
}
