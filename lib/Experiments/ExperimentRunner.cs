using System.Text.Json;
using Parp.Data;
using Parp.Experiments.Methods;
using Parp.IO;
using Parp.Pruning;
using Parp.Runtime;
using Parp.Training;
using static TorchSharp.torch;

namespace Parp.Experiments;

/// <summary>
/// Schedules experiment runs (<see cref="RunConfig"/>): each run once, after the runs it depends on (OMP's and IMP's
/// dense run), read back from its cache folder (<see cref="RunFolder"/>) when it has finished and trained there
/// otherwise (a stopped run resumes). Independent runs train at once on the CPU (<see cref="RunParallelism"/>), each
/// with its own random streams, so every result is what the run gives alone. What a method does lives in its
/// <see cref="PruningMethod"/>; where a run's files are, in <see cref="RunFolder"/>.
/// </summary>
public static class ExperimentRunner
{
    /// <summary><c>experiments/</c> in the cache (<see cref="Artifacts.Cache"/>).</summary>
    public static string DefaultCache => Path.Combine(Artifacts.Cache, "experiments");

    /// <summary>
    /// Reads back or trains every run, each after the runs it depends on, several at once where
    /// <paramref name="parallelism"/> allows (default: <see cref="RunParallelism.For"/> the device), and returns one
    /// result per run and language scored, in the order of <paramref name="runs"/>. Each run's cost, and its
    /// dependencies' (once each), goes to <paramref name="ledger"/> (docs/paper.md §10). Progress reports come one at a
    /// time, whichever run they are from. When a run fails, the others stop at their next update with a checkpoint (a
    /// later call resumes them) and the failure is thrown. A dry run only checks the runs (and records them for a sweep's
    /// plan when <see cref="RunConfigJson.RecordVariable"/> is set) and returns no result.
    /// </summary>
    public static List<RunResult> Run(IReadOnlyList<RunConfig> runs, Device? device = null, string? cacheRoot = null,
        CostLedger? ledger = null, IProgress<ExperimentProgress>? progress = null, CancellationToken cancellation = default,
        bool dryRun = false, RunParallelism? parallelism = null) =>
        Run(runs, [], device, cacheRoot, ledger, progress, cancellation, dryRun, parallelism).Results;

    /// <summary>
    /// As the <c>Run</c> above, with <paramref name="alongside"/> trained in the same schedule (their runs fill the cores the others leave idle)
    /// and their results returned apart; the ledger counts the costs of <paramref name="runs"/> only (the same
    /// subnetworks again with other seeds, say, which a cost of one subnetwork must not count).
    /// </summary>
    public static (List<RunResult> Results, List<RunResult> Alongside) Run(IReadOnlyList<RunConfig> runs,
        IReadOnlyList<RunConfig> alongside, Device? device = null, string? cacheRoot = null, CostLedger? ledger = null,
        IProgress<ExperimentProgress>? progress = null, CancellationToken cancellation = default, bool dryRun = false,
        RunParallelism? parallelism = null)
    {
        IReadOnlyList<RunConfig> all = [.. runs, .. alongside];
        foreach (var run in all) run.Validate();
        if (dryRun)
        {
            RunConfigJson.Record(all);    // a sweep's plan is made of the runs of dry runs
            return ([], []);
        }
        device ??= CPU;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var context = new Context(device, cacheRoot ?? DefaultCache, stop.Token);
        var finished = Schedule(all, parallelism ?? RunParallelism.For(device.type), context, progress, stop);
        var results = new List<RunResult>();
        var counted = new HashSet<(string, string)>();
        foreach (var run in runs)
        {
            var own = finished[run.Key];
            results.AddRange(own);
            if (ledger is null) continue;
            foreach (var cost in run.Method.Costs(run, own[0], context))
                if (counted.Add((cost.Method, cost.Purpose))) ledger.Add(cost);
        }
        return (results, [.. alongside.SelectMany(run => finished[run.Key])]);
    }

    /// <summary>
    /// Every distinct run, and every dependency not listed, once: a run starts when what it needs has finished (its
    /// dependency, and the run listed before it that extends the same shared work: <see cref="PruningMethod.SharedWork"/>)
    /// and a run slot is free, on a thread of its own. Of the runs ready, the one heading the longest chain of work
    /// (its own and that of the runs waiting for it, in estimated updates) starts first, then the order given. After a
    /// failure (or cancellation) nothing new starts and the runs in flight stop.
    /// </summary>
    static Dictionary<string, IReadOnlyList<RunResult>> Schedule(IReadOnlyList<RunConfig> runs, RunParallelism parallelism,
        Context context, IProgress<ExperimentProgress>? progress, CancellationTokenSource stop)
    {
        var order = new List<RunConfig>();
        var seen = new HashSet<string>();
        void Add(RunConfig run)
        {
            if (!seen.Add(run.Key)) return;
            order.Add(run);
            if (run.Method.DependsOn is { } dependency) Add(dependency);
        }
        foreach (var run in runs) Add(run);
        // Listed runs keep their place in the list; dependencies that are not listed come after them.
        order = [.. order.Where(r => runs.Any(l => l.Key == r.Key)), .. order.Where(r => !runs.Any(l => l.Key == r.Key))];

        var needs = order.ToDictionary(r => r.Key, _ => new List<string>());
        var lastOfWork = new Dictionary<string, string>();
        foreach (var run in order)
        {
            if (run.Method.DependsOn is { } dependency) needs[run.Key].Add(dependency.Key);
            if (run.Method.SharedWork(run, context.CacheRoot) is { } work)
            {
                if (lastOfWork.TryGetValue(work, out var previous)) needs[run.Key].Add(previous);
                lastOfWork[work] = run.Key;
            }
        }
        // Critical path first: a run's priority is its work plus the longest chain of work waiting for it.
        var chain = new Dictionary<string, int>();
        int Chain(RunConfig run) => chain.TryGetValue(run.Key, out var known) ? known : chain[run.Key] =
            run.Method.EstimatedUpdates(run) + order.Where(r => needs[r.Key].Contains(run.Key)).Select(Chain).DefaultIfEmpty(0).Max();
        var pending = order.Select((run, index) => (run, index))
            .OrderByDescending(p => Chain(p.run)).ThenBy(p => p.index).ToList();

        var reportGate = new object();
        void Report(ExperimentProgress p) { lock (reportGate) progress?.Report(p); }
        IReadOnlyList<RunResult> Execute(RunConfig run, int index)
        {
            if (parallelism.ThreadsPerRun is { } threads) set_num_threads(threads);
            Report(new ExperimentProgress(index, order.Count, run, null));
            var training = new SynchronousProgress<TrainingProgress>(p => Report(new ExperimentProgress(index, order.Count, run, p)));
            var results = context.Finished(run, training);
            Report(new ExperimentProgress(index, order.Count, run, null, Finished: true));
            return results;
        }

        var finished = new Dictionary<string, IReadOnlyList<RunResult>>();
        var running = new Dictionary<string, Task<IReadOnlyList<RunResult>>>();
        Exception? failure = null;
        int threadsBefore = get_num_threads();
        try
        {
            while (pending.Count > 0 || running.Count > 0)
            {
                while (!stop.IsCancellationRequested && running.Count < parallelism.RunsAtOnce
                       && pending.FindIndex(p => needs[p.run.Key].All(finished.ContainsKey)) is var next and >= 0)
                {
                    var (run, index) = pending[next];
                    pending.RemoveAt(next);
                    running[run.Key] = Task.Factory.StartNew(() => Execute(run, index), CancellationToken.None,
                        TaskCreationOptions.LongRunning, TaskScheduler.Default);
                }
                if (running.Count == 0) break;          // stopped: nothing more starts
                var inFlight = running.ToList();
                var (key, task) = inFlight[Task.WaitAny([.. inFlight.Select(r => (Task)r.Value)])];
                running.Remove(key);
                if (task.IsCompletedSuccessfully) { finished[key] = task.Result; continue; }
                var error = task.Exception!.InnerException!;
                if (error is OperationCanceledException && stop.IsCancellationRequested) continue;
                failure ??= error;
                stop.Cancel();
            }
        }
        finally { if (parallelism.ThreadsPerRun is not null) set_num_threads(threadsBefore); }
        if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        stop.Token.ThrowIfCancellationRequested();
        return finished;
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

    /// <summary>One call's state: the device, the cache, the data opened so far and the runs finished so far (shared by
    /// the runs training at once).</summary>
    sealed class Context(Device device, string cacheRoot, CancellationToken cancellation) : IRunContext
    {
        readonly Dictionary<string, LabelledData> data = [];
        readonly Dictionary<string, IReadOnlyList<RunResult>> finished = [];
        public Device Device => device;
        public string CacheRoot => cacheRoot;

        /// <summary>A dependency's results (the scheduler has finished it already).</summary>
        public IReadOnlyList<RunResult> Finished(RunConfig run) => Finished(run, null);

        /// <summary>The run's results: from this call when it finished here, read back when its folder holds a sound
        /// finished run, trained otherwise, under the run's claim (<see cref="WorkClaim"/>): while another worker sharing
        /// the cache trains it, this one waits and then reads it back.</summary>
        public IReadOnlyList<RunResult> Finished(RunConfig run, IProgress<TrainingProgress>? progress)
        {
            lock (finished)
                if (finished.TryGetValue(run.Key, out var known)) return known;
            var folder = RunFolder.Of(run, cacheRoot);
            static void Warn(string warning) => Console.Error.WriteLine("warning: " + warning);
            // result.json is written last and atomically: a run that has one is read back without a claim.
            var results = File.Exists(folder.ResultFile) ? folder.Finished(run, Warn) : null;
            if (results is null)
            {
                using var claim = WorkClaim.Acquire(folder.Path, cancellation, waiting => Console.Error.WriteLine($"run {run.Key} ({run.Label} {run.Language}): {waiting}"));
                results = folder.Finished(run, Warn) ?? Train(run, folder, progress);
            }
            lock (finished) finished[run.Key] = results;
            return results;
        }

        LabelledData Data(RunConfig run, string language, string split)
        {
            var key = $"{run.CorpusScale}|{language}|{split}|{run.Recipe.NormalizeAudio}";
            lock (data)
            {
                if (data.TryGetValue(key, out var d)) return d;
                return data[key] = run.CorpusScale is "smoke" or "tiny"
                    ? LabelledData.Generated(run.CorpusScale, language, split, run.Recipe.NormalizeAudio)
                    : LabelledData.Open(Path.Combine(Repository.Root(), run.CorpusScale.Replace("{lang}", language)), split, run.Recipe.NormalizeAudio);
            }
        }

        public LabelledData TrainData(RunConfig run)
        {
            if (run.Languages.Count == 1) return Data(run, run.Language, run.TrainSplit);
            var key = $"joint|{run.CorpusScale}|{run.Language}|{run.TrainSplit}|{run.Recipe.NormalizeAudio}";
            var parts = run.Languages.Select(l => (l, Data(run, l, run.TrainSplit))).ToList();
            lock (data)
            {
                if (data.TryGetValue(key, out var d)) return d;
                return data[key] = JointLabelledData.Of(parts);
            }
        }

        // θ0 once, the method's callback from it, the fine-tuning (resumed if stopped), the masks, the evaluation per
        // language scored, and the result last.
        List<RunResult> Train(RunConfig run, RunFolder folder, IProgress<TrainingProgress>? progress)
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
                    callback is null ? [] : [callback], progress, cancellation);
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
                        var e = Evaluator.Evaluate(model, eval, run.EvalSplit, device, cancellation: cancellation,
                            features: run.Recipe.CachedFeatures ? FeatureCache.Of(model, eval.Dataset, device) : null);
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
/// <param name="RunIndex">The run's place in the list given (dependencies not listed come after it).</param>
/// <param name="RunCount">Runs in all, with those dependencies.</param>
/// <param name="Run">The run.</param>
/// <param name="Training">Its training's progress; null when it starts (or is read back) and when it has finished.</param>
/// <param name="Finished">True in the run's last report.</param>
public sealed record ExperimentProgress(int RunIndex, int RunCount, RunConfig Run, TrainingProgress? Training, bool Finished = false)
{
    public override string ToString() => $"run {RunIndex + 1}/{RunCount} {Run.Label} {Run.Language} s={Run.Sparsity:0.##}: "
        + (Finished ? "finished" : Training is null ? "starting" : Training.ToString());
}
