using System.Diagnostics;
using System.Globalization;
using Parp.Data;
using Parp.Models.Checkpoints;
using Parp.Training;
using static TorchSharp.torch;

// parp-train: the project's training runs from the command line. Every run lives in its --out folder and resumes
// when the same command is run again (checkpoints/, metrics.jsonl, recipe.json; model/ when done).
//
//   parp-train pretrain --out DIR (--preset tiny | --model HF_DIR) --scale tiny --langs en,es|all  [--recipe tiny|tiny-v2]
//   parp-train finetune --out DIR (--preset tiny | --model HF_DIR) DATA [--recipe tiny] [--eval test]
//   parp-train evaluate --model HF_DIR DATA [--out DIR]
//   parp-train memory-check [--updates 500] [--tolerance 5]    working set flat between update 100 and the end (smoke)
//   parp-train bench [--preset tiny] [--batch 8] [--seconds 5] [--updates 10] [--scale tiny --lang en] [--parts step,features,path]
//                    fine-tuning throughput: one step on random audio (float32, bf16), then the training path as the
//                    experiment runner takes it (the 10min split, the shipped model) with each speed-up on and off
//   parp-train precision-study [--scale tiny] [--seeds 2337,1,2,3] [--sparsity 0.5]
//                    float32 against mixed bf16 on the full model, MPI and PARP over seeds, with paired intervals
//   parp-train text-pretrain --out DIR [--model bert|xlnet] [--updates 3000] [--vocab-size 8000] [--batch 64] [--lr 1e-3] [--from /usr/share/games/fortunes]
//                    the tiny BERT (masked LM) or XLNet (permutation LM) of E16, pre-trained on Debian's fortune files (the tasks' dev fortunes left out)
//   parp-train text-worth [--model bert|xlnet|FOLDER] [--scale tiny] [--seed N] [--lr X] [--updates N] [--tasks a,b]
//                    the full model fine-tuned on each text task from the model and from random initialisation
//   parp-train budget-study [--tracks en,es] [--budgets 300,600] [--seeds 2337,1,2,3] [--mixed-bf16] [--batch B] [--lr-scale X]
//                    the dense runs' error rate and seed-to-seed spread at each update budget
//   parp-train theta0-study [--models DIR[,DIR2]] [--scale tiny] [--seeds 2337,1,2] [--sparsities 0.5,0.7] [--unseen fr]
//                    what a pre-trained model is worth as θ0: full models, MPI against random pruning, an unseen language; DIR2 − DIR paired
//
// DATA: --scale smoke|tiny --lang en --split 10min (generated corpora, audio regenerated into the cache if missing)
//       or --manifest-dir DIR --split NAME (fairseq layout: NAME.tsv + NAME.ltr|.phn + vocab.json|dict.*.txt).
// Overrides: --updates N --lr X --seed N --batch N --max-tokens N --update-freq N --freeze-updates N --mask-time P
//   --mask-channel P --warmup F --bf16 --mixed-bf16 --checkpoint-every N --log-every N --device cpu|cuda --threads N
//   --padded-features (run the frozen CNN over each padded batch, as the paper's code does, instead of once per utterance)

var command = args.FirstOrDefault() ?? "help";
Options options;
try { options = Options.Parse(args.Skip(1).ToArray()); }
catch (ArgumentException e) { Console.Error.WriteLine($"error: {e.Message}"); return 2; }
try
{
    // LibTorch's OpenMP threads spin while they wait: on a small, shared CPU (2 cores, other jobs) two threads ran a
    // smoke step 12x slower than one. Default to half the cores; --threads overrides.
    set_num_threads(options.Int("threads") ?? Math.Max(1, Environment.ProcessorCount / 2));
    var device = options.Get("device") is { } d ? new Device(d) : cuda.is_available() ? CUDA : CPU;
    using var cancel = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); Console.Error.WriteLine("\nstopping after this update; run the same command to resume"); };
    var clock = Stopwatch.StartNew();
    switch (command)
    {
        case "pretrain": Commands.PreTrain(options, device, cancel.Token); break;
        case "finetune": Commands.FineTune(options, device, cancel.Token); break;
        case "evaluate": Commands.Evaluate(options, device); break;
        case "memory-check": return Checks.Memory(device, options.Int("updates") ?? 500, options.Double("tolerance") ?? 5);
        case "bench":
        {
            var parts = (options.Get("parts") ?? "step,features,path").Split(',');
            if (parts.Except(["step", "features", "path"]).FirstOrDefault() is { } unknown)
                throw new ArgumentException($"--parts: unknown part '{unknown}' (step, features, path)");
            if (parts.Contains("step"))
                Checks.Speed(device, options.Get("preset") ?? "tiny", options.Int("batch") ?? 8, options.Double("seconds") ?? 5, options.Int("updates") ?? 10);
            if (parts.Contains("features"))
                Checks.FeatureSemantics(device, options.Get("scale") ?? "tiny", options.Get("lang") ?? "en", options.Int("batch") ?? 8);
            if (parts.Contains("path"))
                Checks.TrainingPath(device, options.Get("scale") ?? "tiny", options.Get("lang") ?? "en", options.Int("batch") ?? 8, options.Int("updates") ?? 10);
            break;
        }
        case "text-pretrain": TextModel.PreTrain(options, device, cancel.Token); break;
        case "text-worth": TextModel.Worth(options, device, cancel.Token); break;
        case "precision-study":
            PrecisionStudy.Run(device, options.Get("scale") ?? "tiny", options.Ints("seeds", "2337,1,2,3"), options.Double("sparsity") ?? 0.5);
            break;
        case "budget-study":
            BudgetStudy.Run(device, options.Get("scale") ?? "tiny", (options.Get("tracks") ?? "en,es").Split(','),
                options.Ints("budgets", "300,600"), options.Ints("seeds", "2337,1,2,3"), options.Flag("mixed-bf16"), options.Int("batch"), options.Double("lr-scale") ?? 1);
            break;
        case "theta0-study":
            Theta0Study.Run(device, options.Get("scale") ?? "tiny", (options.Get("models") ?? "models/tiny-pretrained").Split(','),
                options.Ints("seeds", "2337,1,2"), options.Doubles("sparsities", "0.5,0.7"), options.Get("unseen") ?? "fr");
            break;
        default:
            Console.Error.WriteLine("usage: parp-train pretrain|finetune|evaluate --out DIR ... (see tools/Train/README.md)");
            return command == "help" ? 0 : 2;
    }
    Console.Error.WriteLine($"{command} took {clock.Elapsed.TotalSeconds:F1} s");
    return 0;
}
catch (Exception e) when (e is ArgumentException or IOException or TrainingException or DataFormatException or CheckpointException
                          or Parp.Models.ConfigException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"\nerror: {e.Message}");
    return 1;
}

static class Commands
{
    public static void PreTrain(Options o, Device device, CancellationToken cancel)
    {
        var recipe = PreTrainRecipe.Get(o.Get("recipe") ?? o.Require("scale"));
        recipe = recipe with
        {
            MaxUpdates = o.Int("updates") ?? recipe.MaxUpdates, LearningRate = o.Double("lr") ?? recipe.LearningRate,
            Seed = o.Int("seed") ?? recipe.Seed, MaxBatchSize = o.Int("batch") ?? recipe.MaxBatchSize,
            UpdateFreq = o.Int("update-freq") ?? recipe.UpdateFreq, MaxTokens = o.Long("max-tokens") ?? recipe.MaxTokens,
            WarmupFraction = o.Double("warmup") ?? recipe.WarmupFraction, MaskProb = o.Double("mask-time") ?? recipe.MaskProb,
            Bf16 = o.Flag("bf16") || recipe.Bf16,
        };
        var scale = o.Require("scale");
        string[] langs = o.Require("langs") == "all" ? [.. Parp.Experiments.ParameterRules.Languages]
            : o.Require("langs").Split(',', StringSplitOptions.RemoveEmptyEntries);
        var pool = LabelledData.GeneratedPool(scale, langs, recipe.NormalizeAudio);
        var outDir = o.Require("out");
        Console.Error.WriteLine($"pre-training {Source(o)} on {pool.Count} utterances ({pool.Manifest.Entries.Sum(e => e.NumSamples) / 16000.0 / 3600:F2} h, {scale} {string.Join(",", langs)}) on {device.type}; recipe {recipe.Name}, {recipe.MaxUpdates} updates -> {outDir}");
        var (model, result) = PreTraining.Run(outDir, Source(o), recipe, pool, $"{scale}:{string.Join(",", langs)}", device,
            new ConsoleProgress(), cancel, Loop(o));
        Report(result, outDir);
        model.Dispose();
    }

    public static void FineTune(Options o, Device device, CancellationToken cancel)
    {
        var recipe = FineTunePresets.Get(o.Get("recipe") ?? o.Require("scale"));
        var data = Data(o);
        // --max-tokens alone keeps the preset's batch in seconds by accumulating more micro-batches.
        if (o.Long("max-tokens") is long micro && o.Int("update-freq") is null) recipe = recipe.WithMicroBatch(micro);
        recipe = recipe with
        {
            MaxUpdates = o.Int("updates") ?? recipe.MaxUpdates, LearningRate = o.Double("lr") ?? recipe.LearningRate,
            Seed = o.Int("seed") ?? recipe.Seed, MaxBatchSize = o.Int("batch") ?? recipe.MaxBatchSize,
            UpdateFreq = o.Int("update-freq") ?? recipe.UpdateFreq, MaxTokens = o.Long("max-tokens") ?? recipe.MaxTokens,
            FreezeFinetuneUpdates = o.Int("freeze-updates") ?? recipe.FreezeFinetuneUpdates,
            MaskTimeProb = o.Double("mask-time") ?? recipe.MaskTimeProb, MaskChannelProb = o.Double("mask-channel") ?? recipe.MaskChannelProb,
            Bf16 = o.Flag("bf16") || recipe.Bf16, CachedFeatures = !o.Flag("padded-features") && recipe.CachedFeatures,
            MixedBf16 = o.Flag("mixed-bf16") || recipe.MixedBf16,
        };
        var outDir = o.Require("out");
        Console.Error.WriteLine($"fine-tuning {Source(o)} on {data.Description} ({data.Dataset.Count} utterances, {data.Kind}) on {device.type}; " +
            $"recipe {recipe.Name}: {recipe.MaxUpdates} updates, lr {recipe.LearningRate}, batch ≤ {recipe.BatchSeconds:F0} s -> {outDir}");
        var (model, result) = FineTuning.Run(outDir, Source(o), recipe, data, device, progress: new ConsoleProgress(),
            cancellation: cancel, loop: Loop(o));
        Report(result, outDir);
        if (result.Completed && o.Get("eval") is { } evalSplits)
            foreach (var split in evalSplits.Split(','))
                EvaluateAndSave(model, DataFor(o, split), split, outDir, device, recipe.CachedFeatures);
        model.Dispose();
    }

    public static void Evaluate(Options o, Device device)
    {
        var folder = o.Require("model");
        var data = Data(o);
        var model = HfCheckpoint.LoadCtc(folder, device: device, dtype: o.Flag("bf16") ? ScalarType.BFloat16 : null);
        model.FreezeFeatureEncoder();
        EvaluateAndSave(model, data, o.Require("split"), o.Get("out") ?? folder, device, cachedFeatures: !o.Flag("padded-features"));
        model.Dispose();
    }

    static void EvaluateAndSave(Parp.Models.Wav2Vec2ForCtc model, LabelledData data, string split, string outDir, Device device, bool cachedFeatures)
    {
        var result = Evaluator.Evaluate(model, data, split, device, features: cachedFeatures ? FeatureCache.Of(model, data.Dataset, device) : null);
        result.SaveHypotheses(Path.Combine(outDir, $"hypotheses-{split}.tsv"));
        result.SaveSummary(Path.Combine(outDir, $"eval-{split}.json"));
        Console.WriteLine(result);
        foreach (var u in result.Utterances.Take(3)) Console.WriteLine($"  REF: {u.Reference}\n  HYP: {u.Hypothesis}");
    }

    static void Report(TrainingResult r, string outDir)
    {
        Console.Error.WriteLine();
        var rows = MetricsLog.Read(Path.Combine(outDir, "metrics.jsonl"));
        var last = rows.LastOrDefault(x => x.ContainsKey("loss"));
        Console.WriteLine(r.Completed
            ? $"done: {r.Updates} updates, {r.AudioSeconds / 3600:F2} h of audio, {r.ElapsedSeconds:F1} s training, {r.SkippedUpdates} skipped" +
              (last is null ? "" : $", last loss {last["loss"]:F4}") + $"; model in {Path.Combine(outDir, "model")}"
            : $"stopped at update {r.Updates}; run the same command to resume");
    }

    static LoopOptions? Loop(Options o) =>
        o.Int("checkpoint-every") is null && o.Int("log-every") is null ? null
        : new LoopOptions { CheckpointEvery = o.Int("checkpoint-every") ?? 500, LogEvery = o.Int("log-every") ?? 10 };

    static ModelSource Source(Options o) => o.Get("model") is { } m ? ModelSource.FromFolder(m) : ModelSource.Random(o.Get("preset") ?? "tiny");

    static LabelledData Data(Options o) => DataFor(o, o.Require("split"));

    static LabelledData DataFor(Options o, string split)
    {
        bool normalize = !o.Flag("no-normalize");
        if (o.Get("manifest-dir") is { } dir) return LabelledData.Open(dir, split, normalize);
        return LabelledData.Generated(o.Require("scale"), o.Require("lang"), split, normalize);
    }
}

/// <summary>--name value and --flag options; an unknown name is an error, so a typo never falls back to a silent default.</summary>
sealed class Options
{
    static readonly HashSet<string> Known = ["out", "model", "preset", "recipe", "scale", "lang", "langs", "split", "manifest-dir", "eval",
        "updates", "lr", "seed", "batch", "max-tokens", "update-freq", "freeze-updates", "mask-time", "mask-channel", "warmup", "bf16", "mixed-bf16",
        "checkpoint-every", "log-every", "device", "threads", "no-normalize", "tolerance", "seconds", "padded-features", "parts", "seeds", "sparsity", "tracks", "budgets", "lr-scale", "vocab-size", "from", "tasks", "models", "sparsities", "unseen"];

    readonly Dictionary<string, string?> _values = new();

    public static Options Parse(string[] args)
    {
        var o = new Options();
        for (int i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--")) throw new ArgumentException($"unexpected argument '{args[i]}' (options are --name value)");
            var name = args[i][2..];
            if (!Known.Contains(name)) throw new ArgumentException($"unknown option --{name}; known: {string.Join(" ", Known.Select(k => "--" + k))}");
            bool hasValue = i + 1 < args.Length && !args[i + 1].StartsWith("--");
            o._values[name] = hasValue ? args[++i] : null;
        }
        return o;
    }

    public string? Get(string name) => _values.TryGetValue(name, out var v) ? v : null;
    public bool Flag(string name) => _values.ContainsKey(name);
    public string Require(string name) => Get(name) ?? throw new ArgumentException($"--{name} is required");
    public int? Int(string name) => Get(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : null;
    public long? Long(string name) => Get(name) is { } v ? long.Parse(v, CultureInfo.InvariantCulture) : null;
    public double? Double(string name) => Get(name) is { } v ? double.Parse(v, CultureInfo.InvariantCulture) : null;
    /// <summary>A comma-separated list ("2337,1,2"), or <paramref name="fallback"/>'s when the option is absent.</summary>
    public List<int> Ints(string name, string fallback) => List<int>(name, fallback, v => int.TryParse(v, CultureInfo.InvariantCulture, out var x) ? x : null);
    public List<double> Doubles(string name, string fallback) => List<double>(name, fallback, v => double.TryParse(v, CultureInfo.InvariantCulture, out var x) ? x : null);

    List<T> List<T>(string name, string fallback, Func<string, T?> parse) where T : struct =>
        (Get(name) ?? fallback).Split(',').Select(v => parse(v) ?? throw new ArgumentException($"--{name}: '{v}' is not a number")).ToList();
}
