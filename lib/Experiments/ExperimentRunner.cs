using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Parp.Data;
using Parp.IO;
using Parp.Models;
using Parp.Models.Checkpoints;
using Parp.Pruning;
using Parp.Training;
using static TorchSharp.torch;

namespace Parp.Experiments;

/// <summary>
/// Runs experiment runs (<see cref="RunConfig"/>), each once: a run lives in <c>CACHE/&lt;key&gt;/</c> with
/// <c>config.json</c>, the resumable <see cref="FineTuning.Run"/> folder <c>run/</c>, its masks (<c>masks/initial</c>
/// and <c>masks/final.safetensors</c>), PARP's re-prune log (<c>parp-history.json</c>), one <c>evaluation-LANG.json</c>
/// per language scored and, last, <c>result.json</c>, which a later call reads back without loading a model. A stopped
/// run resumes; a run another needs (OMP's and IMP's dense run, IMP's chain) is run first, once, and shared.
/// </summary>
public static class ExperimentRunner
{
    /// <summary><c>experiments/</c> in the cache (<see cref="Artifacts.Cache"/>).</summary>
    public static string DefaultCache => Path.Combine(Artifacts.Cache, "experiments");

    /// <summary>The cache folder of one run.</summary>
    public static string FolderOf(RunConfig run, string? cacheRoot = null) => RunFolder.Of(run, cacheRoot ?? DefaultCache).Path;

    /// <summary>True when the run's result is in the cache (not checked for damage: <see cref="RunFolder.Finished"/> does that).</summary>
    public static bool IsDone(RunConfig run, string? cacheRoot = null) => File.Exists(RunFolder.Of(run, cacheRoot ?? DefaultCache).ResultFile);

    /// <summary>
    /// Runs (or reads back) every run, in order, with the runs they depend on. Each run's cost, and its dependencies'
    /// (once each), goes to <paramref name="ledger"/> (PARP-SPEC §10). Returns one result per run and language scored.
    /// </summary>
    public static List<RunResult> Run(IReadOnlyList<RunConfig> runs, Device? device = null, string? cacheRoot = null,
        CostLedger? ledger = null, IProgress<ExperimentProgress>? progress = null, CancellationToken cancellation = default)
    {
        var context = new Context(device ?? CPU, cacheRoot ?? DefaultCache, ledger, cancellation);
        var results = new List<RunResult>();
        for (int i = 0; i < runs.Count; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            int index = i;
            var run = runs[i].Validate();
            progress?.Report(new ExperimentProgress(index, runs.Count, run, null));
            context.Progress = new ForwardProgress(p => progress?.Report(new ExperimentProgress(index, runs.Count, run, p)));
            results.AddRange(context.Results(run, countCost: true));
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

    /// <summary>The training log (<c>metrics.jsonl</c>) of a run that has started.</summary>
    public static string MetricsPath(RunConfig run, string? cacheRoot = null) => Path.Combine(RunFolder.Of(run, cacheRoot ?? DefaultCache).TrainingFolder, "metrics.jsonl");

    /// <summary>The final mask of a finished pruned run (dispose it).</summary>
    public static Mask FinalMask(RunConfig run, string? cacheRoot = null) => LoadMask(run, "final", cacheRoot);

    /// <summary>The mask a finished pruned run started from (dispose it): for fixed-mask runs the same as the final one.</summary>
    public static Mask InitialMask(RunConfig run, string? cacheRoot = null) => LoadMask(run, "initial", cacheRoot);

    /// <summary>PARP's log of a finished parp or parp-p run: one point per (re-)prune.</summary>
    public static List<ReprunePoint> ParpHistory(RunConfig run, string? cacheRoot = null)
    {
        var path = RunFolder.Of(run, cacheRoot ?? DefaultCache).ParpHistory;
        if (!File.Exists(path)) throw new FileNotFoundException($"no PARP history for run {run.Key} ({run.Label}): {path} (run it first)", path);
        return JsonSerializer.Deserialize<List<ReprunePoint>>(File.ReadAllText(path))!;
    }

    /// <summary>The OMP mask at <paramref name="sparsity"/> of a finished dense run's fine-tuned model (dispose it).</summary>
    public static Mask OmpMask(RunConfig dense, double sparsity, string? cacheRoot = null) => OmpMasks(dense, [sparsity], cacheRoot)[0];

    /// <summary>The OMP masks at several sparsities, loading the dense run's model once (dispose them).</summary>
    public static List<Mask> OmpMasks(RunConfig dense, IEnumerable<double> sparsities, string? cacheRoot = null)
    {
        using var model = HfCheckpoint.LoadCtc(ModelFolder(dense, cacheRoot));
        return sparsities.Select(s => PruningMethods.Omp(model, s, $"{dense.Language} dense run {dense.Key}")).ToList();
    }

    /// <summary>The MPI masks of θ0 at several sparsities, loading θ0 once (dispose them).</summary>
    public static List<Mask> MpiMasks(ExperimentSetting setting, IEnumerable<double> sparsities)
    {
        using var model = LoadTheta0(setting);
        return sparsities.Select(s => PruningMethods.Mpi(model, s)).ToList();
    }

    /// <summary>IMP's round-k mask of the chain that <paramref name="imp"/> uses (dispose it), or null when the chain has
    /// not reached round k.</summary>
    public static Mask? ImpMask(RunConfig imp, int round, string? cacheRoot = null)
    {
        var path = ImpMaskPath(imp, round, cacheRoot ?? DefaultCache);
        return File.Exists(path) ? Mask.Load(path) : null;
    }

    // Where ImpFineTuning.Run saves round k's mask inside the chain's folder.
    static string ImpMaskPath(RunConfig imp, int round, string cacheRoot) =>
        Path.Combine(ImpChainFolder(imp, cacheRoot), "masks", string.Create(CultureInfo.InvariantCulture, $"imp-round-{round}.safetensors"));

    /// <summary>The fine-tuned model folder (HF layout) of a finished run.</summary>
    public static string ModelFolder(RunConfig run, string? cacheRoot = null)
    {
        var folder = RunFolder.Of(run, cacheRoot ?? DefaultCache).ModelFolder;
        if (!File.Exists(Path.Combine(folder, "config.json"))) throw new DirectoryNotFoundException($"run {run.Key} ({run.Label} {run.Language}) has no fine-tuned model yet: {folder}");
        return folder;
    }

    static Mask LoadMask(RunConfig run, string which, string? cacheRoot)
    {
        var folder = RunFolder.Of(run, cacheRoot ?? DefaultCache);
        var path = which == "final" ? folder.FinalMask : folder.InitialMask;
        if (!File.Exists(path)) throw new FileNotFoundException($"run {run.Key} ({run.Label} s={run.Sparsity}) has no {which} mask: {path} (a dense run has none; run it first)", path);
        return Mask.Load(path);
    }

    /// <summary>θ0 of a setting on the CPU, as a CTC model whose head size does not matter (the head is outside the pool).</summary>
    internal static Wav2Vec2ForCtc LoadTheta0(ExperimentSetting setting) =>
        FineTuning.CreateModel(setting.Source, setting.FixedRecipe, vocabSize: 32, CPU);

    /// <summary>The IMP chain's folder: shared by every IMP run with the same dense run and round recipe.</summary>
    static string ImpChainFolder(RunConfig imp, string cacheRoot) =>
        Path.Combine(cacheRoot, "imp-chain-" + (imp with { Method = "imp", Sparsity = 0.5, Recipe = imp.ImpRoundRecipe! }).Key);

    sealed class ForwardProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>One call's state: the device, the data opened so far, and the costs already counted.</summary>
    sealed class Context(Device device, string cacheRoot, CostLedger? ledger, CancellationToken cancellation)
    {
        readonly Dictionary<string, LabelledData> data = [];
        readonly HashSet<(string, string)> counted = [];
        public IProgress<TrainingProgress>? Progress { get; set; }

        /// <summary>The run's results (trained, or read back), with its cost counted once per call.</summary>
        public List<RunResult> Results(RunConfig run, bool countCost)
        {
            var folder = RunFolder.Of(run, cacheRoot);
            var results = folder.Finished(run, warning => Console.Error.WriteLine("warning: " + warning)) ?? Train(run, folder);
            if (countCost) CountCost(run, results[0]);
            return results;
        }

        void Count(string method, string purpose, double from, double to, long updates, double seconds)
        {
            if (ledger is null || !counted.Add((method, purpose))) return;
            ledger.Add(new RunCost(method, purpose, from, to, updates, seconds));
        }

        // PARP-SPEC §10: OMP = its dense run (serving every s) + 1; IMP = dense + rounds 1..k + 1; the rest 1.
        void CountCost(RunConfig run, RunResult result)
        {
            string method = run.Method == "dense" ? "full" : run.Method;
            double s = run.Sparsity;
            if (run.MaskFrom is { } dense && run.Method is "omp" or "imp")
            {
                var d = Results(dense, countCost: false)[0];
                Count(method, $"dense {dense.Language} {dense.Key}", 0, 1, d.Updates, d.TrainSeconds);
            }
            if (run.Method == "imp")
                foreach (var round in ReadChainCosts(run).Where(r => r.Round <= run.ImpRound))
                    Count("imp", $"round {round.Round} {ImpChainFolder(run, cacheRoot)}", round.Round / 10.0, 1, round.Updates, round.Seconds);
            string purpose = run.Method == "dense" ? $"dense {run.Language} {run.Key}" : $"{run.Label} s={s.ToString("0.###", CultureInfo.InvariantCulture)} {run.Key}";
            Count(method, purpose, run.Method == "dense" ? 0 : s, run.Method == "dense" ? 1 : s, result.Updates, result.TrainSeconds);
        }

        LabelledData Data(RunConfig run, string language, string split)
        {
            var key = $"{run.CorpusScale}|{language}|{split}|{run.Recipe.NormalizeAudio}";
            if (data.TryGetValue(key, out var d)) return d;
            return data[key] = run.CorpusScale is "smoke" or "tiny"
                ? LabelledData.Generated(run.CorpusScale, language, split, run.Recipe.NormalizeAudio)
                : LabelledData.Open(Path.Combine(Repository.Root(), run.CorpusScale.Replace("{lang}", language)), split, run.Recipe.NormalizeAudio);
        }

        LabelledData TrainData(RunConfig run)
        {
            if (run.Languages.Count == 1) return Data(run, run.Language, run.TrainSplit);
            var key = $"joint|{run.CorpusScale}|{run.Language}|{run.TrainSplit}|{run.Recipe.NormalizeAudio}";
            if (data.TryGetValue(key, out var d)) return d;
            return data[key] = JointLabelledData.Of(run.Languages.Select(l => (l, Data(run, l, run.TrainSplit))).ToList());
        }

        List<RunResult> Train(RunConfig run, RunFolder folder)
        {
            // What this run needs from other runs is made first (cached, so at most once).
            if (run.MaskFrom is not null) Results(run.MaskFrom, countCost: false);
            cancellation.ThrowIfCancellationRequested();
            folder.WriteConfig(run);
            var train = TrainData(run);
            var callback = Callback(run, train);
            var owner = new Dictionary<string, string> { [RunFolder.RunKeyMetadata] = run.Key };
            try
            {
                var (model, training) = FineTuning.Run(folder.TrainingFolder, run.Source, run.Recipe, train, device,
                    callback is null ? [] : [callback], Progress, cancellation);
                using (model)
                {
                    if (!training.Completed) throw new OperationCanceledException($"run {run.Key} ({run.Label}) stopped at update {training.Updates}");
                    var pool = PrunablePool.Of(model);
                    switch (callback)
                    {
                        case FixedMaskCallback f:
                            SaveOnce(folder.InitialMask, f.Mask, owner);
                            SaveOnce(folder.FinalMask, f.Mask, owner);
                            break;
                        case ParpCallback p:   // restored from the last checkpoint when the run had finished before this call
                            SaveOnce(folder.InitialMask, p.InitialMask, owner);
                            SaveOnce(folder.FinalMask, p.CurrentMask, owner);
                            AtomicFile.WriteAllText(folder.ParpHistory, JsonSerializer.Serialize(p.History, Json));
                            break;
                    }
                    double measured = pool.MeasuredSparsity();
                    var results = new List<RunResult>();
                    foreach (var language in run.Languages)
                    {
                        var eval = Data(run, language, run.EvalSplit);
                        if (run.Languages.Count > 1) eval = eval.InVocabulary(train.Vocabulary);
                        var e = Evaluator.Evaluate(model, eval, run.EvalSplit, device, cancellation: cancellation);
                        e.SaveSummary(folder.Evaluation(language));
                        results.Add(new RunResult(run.Method, run.Label, run.Sparsity, language, run.Language, run.Key, e.Primary.Rate,
                            e.Kind == TranscriptKind.Letters ? "WER" : "PER", e.Cer, measured, training.Updates, training.ElapsedSeconds, FromCache: false));
                    }
                    folder.WriteResults(results);
                    return results;
                }
            }
            finally { (callback as IDisposable)?.Dispose(); }
        }

        // A mask already there was checked by RunFolder.Finished (or written by this run before it was stopped).
        static void SaveOnce(string path, Mask mask, IReadOnlyDictionary<string, string> owner)
        {
            if (File.Exists(path)) return;
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            mask.Save(path, owner);
        }

        ITrainingCallback? Callback(RunConfig run, LabelledData train)
        {
            if (run.Method == "dense") return null;
            Mask Initial()
            {
                if (run.MaskFrom is { } dense && run.Method is "omp" or "parp") return OmpMask(dense, run.Sparsity, cacheRoot);
                using var theta0 = FineTuning.CreateModel(run.Source, run.Recipe, train.Vocabulary.Count, device);
                return run.Method switch
                {
                    "random" => PruningMethods.Random(theta0, run.Sparsity, (ulong)run.Recipe.Seed),
                    "parp-p" => PruningMethods.Mpi(theta0, run.StartSparsity),
                    _ => PruningMethods.Mpi(theta0, run.Sparsity),
                };
            }
            return run.Method switch
            {
                "mpi" or "random" or "omp" => new FixedMaskCallback(Initial()),
                "imp" => new FixedMaskCallback(ImpChain(run, train)),
                "parp" => new ParpCallback(new ParpOptions(run.Sparsity, run.ParpInterval), initialMask: Initial()),
                "parp-p" => new ParpCallback(new ParpOptions(run.StartSparsity, run.ParpInterval, SparsitySchedule.Linear(run.Sparsity)), initialMask: Initial()),
                _ => throw new ArgumentException($"unknown method '{run.Method}'"),
            };
        }

        /// <summary>The chain's round-k mask, running the rounds it has not run yet (each round folder resumes).</summary>
        Mask ImpChain(RunConfig run, LabelledData train)
        {
            var root = ImpChainFolder(run, cacheRoot);
            var maskPath = ImpMaskPath(run, run.ImpRound, cacheRoot);
            if (File.Exists(maskPath) && Damage(maskPath) is { } damage)
            {
                var aside = maskPath + ".damaged";
                File.Move(maskPath, aside, overwrite: true);
                Console.Error.WriteLine($"warning: {damage}; moved to {aside}, the chain's round is done again");
            }
            if (!File.Exists(maskPath))
            {
                var rewind = ModelSource.FromFolder(ModelFolder(run.MaskFrom!, cacheRoot));
                var roundLedger = new CostLedger();
                using var chain = ImpFineTuning.Run(root, rewind, run.ImpRoundRecipe!, train, device,
                    new ImpOptions(run.ImpRound, run.ImpRoundRecipe!.MaxUpdates), roundLedger);
                var costs = chain.RoundCosts.Select((c, i) => new ChainRoundCost(i + 1, c.Updates, c.Seconds));
                var known = ReadChainCosts(run).Where(c => c.Round > run.ImpRound);   // a longer chain ran before
                AtomicFile.WriteAllText(Path.Combine(root, "rounds.json"), JsonSerializer.Serialize(costs.Concat(known).ToList(), Json));
            }
            return Mask.Load(maskPath);
        }

        List<ChainRoundCost> ReadChainCosts(RunConfig run)
        {
            var path = Path.Combine(ImpChainFolder(run, cacheRoot), "rounds.json");
            return File.Exists(path) ? JsonSerializer.Deserialize<List<ChainRoundCost>>(File.ReadAllText(path))! : [];
        }
    }

    static string? Damage(string safetensors)
    {
        try { SafetensorsFile.Verify(safetensors); return null; }
        catch (CheckpointException e) { return e.Message; }
    }

    sealed record ChainRoundCost(int Round, long Updates, double Seconds);
}
