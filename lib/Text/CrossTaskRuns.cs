using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Parp.Experiments;
using Parp.IO;
using Parp.Models.Checkpoints;
using Parp.Pruning;
using Parp.Runtime;
using static TorchSharp.torch;

namespace Parp.Text;

/// <summary>How an E16 run trains: the full model, a fixed mask, or PARP from the mask.</summary>
public enum TextMethod { Dense, FixedMask, Parp }

/// <summary>
/// One fine-tuning run of E16 (docs/paper.md §9): a target task, from θ0, dense or pruned at <see cref="Sparsity"/> with
/// a mask from <see cref="MaskSource"/>: <c>θ0</c> (magnitude pruning of the pre-trained model, MPI) or a source task's
/// name (OMP: magnitude pruning of the dense run fine-tuned on that task, applied to θ0, as BERT-Ticket rewinds to the
/// pre-trained weights). Its <see cref="Key"/> hashes all of it and names its cache folder.
/// </summary>
/// <param name="Scale">smoke or tiny (the fortune tasks), or paper (GLUE from <see cref="TextTasks.GlueVariable"/>).</param>
/// <param name="Model">θ0: a BERT or XLNet folder in transformers' layout (vocab.txt or spiece.model beside it).</param>
/// <param name="Task">The task fine-tuned and scored.</param>
/// <param name="Method">Dense, fixed mask or PARP.</param>
/// <param name="MaskSource">null for a dense run; <c>θ0</c> for MPI; a task's name for OMP from that task's dense run.</param>
/// <param name="Sparsity">The pool's sparsity (0 for a dense run).</param>
/// <param name="Recipe">The GLUE recipe, seed included.</param>
/// <param name="MaxLength">Tokens per example, special tokens included.</param>
/// <param name="ParpInterval">PARP's re-prune interval in updates.</param>
public sealed record TextRunConfig(string Scale, string Model, string Task, TextMethod Method, string? MaskSource, double Sparsity,
    GlueRecipe Recipe, int MaxLength, int ParpInterval)
{
    /// <summary>The mask source that means magnitude pruning of θ0 (MPI).</summary>
    public const string PreTrained = "θ0";

    /// <summary>Part of every key: raise it when what a run computes or records changes.</summary>
    public const int RunnerVersion = 1;

    /// <summary>"dense", "fixed θ0", "parp θ0", "fixed fortune-topic", ...</summary>
    public string Label => Method == TextMethod.Dense ? "dense" : $"{(Method == TextMethod.Parp ? "parp" : "fixed")} {MaskSource}";

    /// <summary>The dense run on the mask's source task that an OMP mask comes from; null for dense and MPI runs.</summary>
    public TextRunConfig? SourceRun => Method == TextMethod.Dense || MaskSource is null or PreTrained ? null
        : this with { Task = MaskSource, Method = TextMethod.Dense, MaskSource = null, Sparsity = 0 };

    /// <summary>Checks what the method needs; returns this run.</summary>
    public TextRunConfig Validate()
    {
        string? problem = Method == TextMethod.Dense
            ? (Sparsity != 0 || MaskSource is not null ? "a dense run has no mask and sparsity 0" : null)
            : !ParameterRules.IsPrunedSparsity(Sparsity) ? $"sparsity {Sparsity} is outside (0, 1)"
            : MaskSource is null ? "a pruned run needs a mask source (θ0 or a task)"
            : Method == TextMethod.Parp && ParpInterval < 1 ? "PARP needs a re-prune interval of at least 1 update" : null;
        return problem is null ? this : throw new ArgumentException($"text run {Task} {Label} s={Sparsity}: {problem}");
    }

    /// <summary>Canonical JSON of the run (what is hashed, and saved as <c>config.json</c>).</summary>
    public JsonObject ToJson() => new()
    {
        ["runner"] = RunnerVersion,
        ["scale"] = Scale,
        ["model"] = RunConfig.SourceName(Model),
        ["task"] = Task,
        ["data"] = TextTasks.DataIdentity(Scale, Task),
        ["method"] = Method.ToString(),
        ["mask_source"] = MaskSource,
        ["sparsity"] = Sparsity.ToString("R", CultureInfo.InvariantCulture),
        ["recipe"] = new JsonObject
        {
            ["updates"] = Recipe.MaxUpdates, ["batch"] = Recipe.BatchSize, ["lr"] = Recipe.LearningRate, ["weight_decay"] = Recipe.WeightDecay,
            ["warmup"] = Recipe.WarmupFraction, ["clip"] = Recipe.ClipNorm, ["seed"] = Recipe.Seed, ["max_length"] = MaxLength,
        },
        ["parp_interval"] = Method == TextMethod.Parp ? ParpInterval : null,
    };

    public string Key => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ToJson().ToJsonString())))[..16];

    /// <summary>The run <see cref="ToJson"/> wrote; anything else is an error naming <paramref name="where"/>.</summary>
    public static TextRunConfig FromJson(JsonNode json, string where)
    {
        try
        {
            var recipe = json["recipe"]!;
            var run = new TextRunConfig((string)json["scale"]!, RunConfigJson.ModelFolder((string)json["model"]!), (string)json["task"]!,
                Enum.Parse<TextMethod>((string)json["method"]!), (string?)json["mask_source"],
                double.Parse((string)json["sparsity"]!, CultureInfo.InvariantCulture),
                new GlueRecipe
                {
                    MaxUpdates = (int)recipe["updates"]!, BatchSize = (int)recipe["batch"]!, LearningRate = (double)recipe["lr"]!,
                    WeightDecay = (double)recipe["weight_decay"]!, WarmupFraction = (double)recipe["warmup"]!, ClipNorm = (double)recipe["clip"]!,
                    Seed = (int)recipe["seed"]!,
                },
                (int)recipe["max_length"]!, (int?)json["parp_interval"] ?? 10);
            return run.Validate();
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new FormatException($"{where}: not a text run ({e.Message})", e);
        }
    }
}

/// <summary>What one E16 run measured: the task's metrics on its dev split (percent), the first one the reported
/// <see cref="Metric"/>, the pool's measured sparsity at the end, and the training time.</summary>
public sealed record TextRunResult(string Key, string Task, string Label, TextMethod Method, string? MaskSource, double Sparsity, int Seed,
    Dictionary<string, double> Metrics, string MetricName, double MeasuredSparsity, double TrainSeconds, bool FromCache)
{
    public double Metric => Metrics[MetricName];
}

/// <summary>Where E16's tasks come from at each scale.</summary>
public static class TextTasks
{
    /// <summary>The folder of GLUE's task folders (CoLA/, SST-2/, ...) at the paper scale.</summary>
    public const string GlueVariable = "PARP_GLUE";

    static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> Identities = new();

    /// <summary>
    /// What a run's key says about its data: at smoke and tiny the SHA-256 (16 hex digits) of the task's committed files,
    /// so that remade tasks are new runs, not old results read back; at paper the GLUE task's name (a fixed public set).
    /// </summary>
    public static string DataIdentity(string scale, string name) => scale == "paper" ? "glue:" + name : Identities.GetOrAdd(name, n =>
    {
        var folder = Path.Combine(Repository.Root(), "data-manifests", "fortunes", FortuneTasks.Named(n).Name);
        var bytes = new[] { "train.tsv", "dev.tsv" }.SelectMany(f => File.ReadAllBytes(Path.Combine(folder, f))).ToArray();
        return "fortunes:" + Convert.ToHexStringLower(SHA256.HashData(bytes))[..16];
    });

    /// <summary>The task named <paramref name="name"/> at <paramref name="scale"/> (its layout, labels and metrics), read from nothing.</summary>
    public static GlueTask Named(string scale, string name) => scale == "paper" ? GlueTask.Named(name) : FortuneTasks.Named(name);

    /// <summary>The task named <paramref name="name"/> at <paramref name="scale"/>, with its train and dev examples.</summary>
    public static (GlueTask Task, List<GlueExample> Train, List<GlueExample> Dev) Load(string scale, string name)
    {
        if (scale != "paper")
        {
            var task = Named(scale, name);
            var (train, dev) = FortuneTasks.Load(task, scale);
            return (task, train, dev);
        }
        var glue = Environment.GetEnvironmentVariable(GlueVariable) is { Length: > 0 } g ? g
            : throw new DirectoryNotFoundException($"the paper scale reads GLUE from ${GlueVariable} (a folder holding CoLA/, SST-2/, ...): it is not set");
        var glueTask = GlueTask.Named(name);
        var folder = Path.Combine(glue, glueTask.Name);
        var devFile = glueTask == GlueTask.Mnli ? "dev_matched.tsv" : "dev.tsv";
        return (glueTask, glueTask.Read(Path.Combine(folder, "train.tsv")), glueTask.Read(Path.Combine(folder, devFile)));
    }
}

/// <summary>
/// Runs E16's fine-tunings into the experiments cache (<c>CACHE/KEY/</c>: <c>config.json</c>, <c>result.json</c>, the dense
/// runs' <c>model.safetensors</c> for the OMP masks of other runs, the pruned runs' <c>mask-initial.safetensors</c> and
/// <c>mask-final.safetensors</c>). A finished run is read back; each run is claimed (<see cref="WorkClaim"/>) so that
/// two workers never train it twice; every file is written atomically. Runs are short (minutes at tiny), so a stopped
/// run starts again from θ0; the experiment resumes run by run.
/// </summary>
public static class CrossTaskRuns
{
    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>A run's cache folder: <c>CACHE/KEY</c> beside the speech runs (the experiments cache), so that a sweep
    /// finds every run's <c>result.json</c> the same way.</summary>
    public static string FolderOf(TextRunConfig run, string cacheRoot) => Path.Combine(cacheRoot, run.Key);

    /// <summary>The runs <paramref name="runs"/> need, each once, the dense runs their masks come from first.</summary>
    public static List<TextRunConfig> WithSources(IEnumerable<TextRunConfig> runs)
    {
        var ordered = new List<TextRunConfig>();
        var keys = new HashSet<string>();      // by key: what is not in the key (a fixed run's PARP interval) does not matter
        foreach (var run in runs.Select(r => r.Validate()))
        {
            if (run.SourceRun is { } source && keys.Add(source.Key)) ordered.Add(source);
            if (keys.Add(run.Key)) ordered.Add(run);
        }
        return ordered;
    }

    /// <summary>The key a recording line (<see cref="RunConfigJson.RecordVariable"/>) of a text run holds its run under.</summary>
    public const string RecordingKey = RunConfigJson.TextRunKey;

    /// <summary>A dry run's text runs (and their sources) appended to the recording <see cref="RunConfigJson.RecordVariable"/>
    /// names, if it names one: how a sweep plans E16.</summary>
    public static void Record(IEnumerable<TextRunConfig> runs) =>
        RunConfigJson.RecordLines(WithSources(runs).Select(r => new JsonObject { [RecordingKey] = r.ToJson() }));

    /// <summary>The text runs a recording holds, in order (the speech runs' lines are <see cref="RunConfigJson.ReadRecording"/>'s).</summary>
    public static List<TextRunConfig> ReadRecording(string file) => File.ReadLines(file)
        .Select((line, i) => (line, i)).Where(x => x.line.Length > 0)
        .Select(x => (Json: JsonNode.Parse(x.line)!, Where: $"{file}, line {x.i + 1}"))
        .Where(x => x.Json[RecordingKey] is not null).Select(x => TextRunConfig.FromJson(x.Json[RecordingKey]!, x.Where)).ToList();

    /// <summary>Every run in <paramref name="runs"/> (with the dense runs their masks need first), trained or read back;
    /// results in the order asked.</summary>
    public static List<TextRunResult> Run(IReadOnlyList<TextRunConfig> runs, Device device, string cacheRoot,
        IProgress<string>? progress = null, CancellationToken cancellation = default)
    {
        var ordered = WithSources(runs);
        var results = new Dictionary<string, TextRunResult>();
        for (int i = 0; i < ordered.Count; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            var run = ordered[i];
            progress?.Report($"run {i + 1}/{ordered.Count}: {run.Task} {run.Label}{(run.Sparsity > 0 ? $" s={run.Sparsity:0.##}" : "")}");
            results[run.Key] = One(run, device, cacheRoot, cancellation);
        }
        return runs.Select(r => results[r.Key]).ToList();
    }

    static TextRunResult One(TextRunConfig run, Device device, string cacheRoot, CancellationToken cancellation)
    {
        var folder = FolderOf(run, cacheRoot);
        var resultFile = Path.Combine(folder, "result.json");
        if (Read(resultFile, run) is { } done) return done;
        using var claim = WorkClaim.Acquire(folder, cancellation, w => Console.Error.WriteLine($"text run {run.Key} ({run.Task} {run.Label}): {w}"));
        if (Read(resultFile, run) is { } doneMeanwhile) return doneMeanwhile;
        Directory.CreateDirectory(folder);
        AtomicFile.WriteAllText(Path.Combine(folder, "config.json"), run.ToJson().ToJsonString(Indented));

        var (task, train, dev) = TextTasks.Load(run.Scale, run.Task);
        var encoder = TextModels.Encoder(run.Model, run.MaxLength);
        var poolSpec = TextModels.Pool(run.Model);
        using var model = Load(run.Model, task.NumLabels, run.Recipe.Seed);
        IPruningCallback? pruning = null;
        if (run.Method != TextMethod.Dense)
        {
            var mask = InitialMask(run, model, poolSpec, cacheRoot);
            mask.Save(Path.Combine(folder, "mask-initial.safetensors"));
            pruning = run.Method == TextMethod.Parp
                ? new ParpCallback(mask, new ParpOptions(run.ParpInterval), poolSpec)
                : new FixedMaskCallback(mask, poolSpec);
        }
        var clock = Stopwatch.StartNew();
        GlueFineTuning.Train(model, encoder, task, train, run.Recipe, device, cancellation, pruning is null ? null : [pruning]);
        double seconds = clock.Elapsed.TotalSeconds;
        var metrics = GlueFineTuning.Evaluate(model, encoder, task, dev, device);
        var pool = PrunablePool.Of(model, poolSpec);
        if (pruning is not null)
        {
            pruning.FinalMask.Save(Path.Combine(folder, "mask-final.safetensors"));
            (pruning as IDisposable)?.Dispose();
        }
        else
        {
            using var scope = NewDisposeScope();
            var weights = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().cpu());
            AtomicFile.WriteVia(Path.Combine(folder, "model.safetensors"), tmp => SafetensorsFile.Write(tmp, weights));
        }
        var result = new TextRunResult(run.Key, run.Task, run.Label, run.Method, run.MaskSource, run.Sparsity, run.Recipe.Seed,
            metrics, task.Metrics[0], pool.MeasuredSparsity(), seconds, FromCache: false);
        AtomicFile.WriteAllText(resultFile, JsonSerializer.Serialize(result with { FromCache = true }, Indented));
        return result;
    }

    // θ0 as a classifier of the task's labels; the fresh head (and pooler, for a masked-LM θ0) drawn from the seed.
    static TextClassifier Load(string model, int labels, int seed)
    {
        lock (GlobalGenerator.Lock)
        {
            manual_seed(seed);
            return TextModels.LoadClassifier(model, labels);
        }
    }

    // MPI from θ0's own weights, or OMP from the source task's dense run (its fine-tuned weights, not θ0's).
    static Mask InitialMask(TextRunConfig run, TextClassifier theta0, PoolSpec poolSpec, string cacheRoot)
    {
        if (run.MaskSource == TextRunConfig.PreTrained)
            return PruningMethods.Mpi(theta0, run.Sparsity, spec: poolSpec);
        var source = run.SourceRun!;
        var weights = Path.Combine(FolderOf(source, cacheRoot), "model.safetensors");
        if (!File.Exists(weights)) throw new FileNotFoundException($"{weights}: the dense {source.Task} run's model, which the OMP mask comes from, is missing", weights);
        using var fineTuned = Load(source.Model, TextTasks.Named(source.Scale, source.Task).NumLabels, source.Recipe.Seed);
        var tensors = SafetensorsFile.Read(weights);
        try { TextPreTraining.Copy(tensors, fineTuned, weights); }
        finally { foreach (var t in tensors.Values) t.Dispose(); }
        return PruningMethods.Omp(fineTuned, run.Sparsity, sourceModel: $"θ_ft({source.Task})", spec: poolSpec);
    }

    // A finished run's result, when its file is whole and its own; null otherwise (the run is done again).
    static TextRunResult? Read(string file, TextRunConfig run)
    {
        if (!File.Exists(file)) return null;
        try
        {
            var result = JsonSerializer.Deserialize<TextRunResult>(File.ReadAllText(file));
            if (result is not null && result.Key == run.Key) return result;
        }
        catch (JsonException) { }
        Console.Error.WriteLine($"warning: {file} is damaged or another run's; the run is done again");
        return null;
    }
}
