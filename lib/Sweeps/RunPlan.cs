using System.Text.Json;
using System.Text.Json.Nodes;
using Parp.Experiments;
using Parp.IO;
using Parp.Text;

namespace Parp.Sweeps;

/// <summary>One run of a plan: its key, what it is, the runs it must wait for, and the run itself.</summary>
/// <param name="Key">The run's cache key.</param>
/// <param name="Label">Its label in tables ("omp", "parp-p 0.5→0.7").</param>
/// <param name="Language">The language it trains on.</param>
/// <param name="Sparsity">Its target sparsity.</param>
/// <param name="Needs">Keys of the runs that must finish first: the dense run it takes a mask or a rewind point from,
/// and for an IMP run the IMP run of the same chain before it (the chain's rounds are made in order).</param>
/// <param name="Run">The run, when it is a speech run.</param>
/// <param name="Text">The run, when it is an E16 text run (<see cref="Language"/> then holds its task).</param>
public sealed record PlannedRun(string Key, string Label, string Language, double Sparsity, IReadOnlyList<string> Needs, RunConfig? Run,
    TextRunConfig? Text = null)
{
    /// <summary>The result a finished run leaves in the experiments cache (speech and text runs alike: <c>KEY/result.json</c>).</summary>
    public string ResultFile(string cacheRoot) => ResultFileOf(Key, cacheRoot);

    public static string ResultFileOf(string key, string cacheRoot) => Path.Combine(cacheRoot, key, "result.json");
}

/// <summary>
/// Every run that some notebooks need, each once, with what it waits for: a sweep's list of work (<c>plan.json</c>).
/// The runs are the notebooks' own: a notebook run with <c>dryRun</c> while <see cref="RunConfigJson.RecordVariable"/>
/// names a file appends every run it would train there, and <see cref="RunConfigJson.ReadRecording"/> reads them back.
/// </summary>
public sealed class RunPlan(IReadOnlyList<PlannedRun> runs)
{
    public IReadOnlyList<PlannedRun> Runs => runs;

    /// <summary>The plan of <paramref name="requested"/> and the runs they depend on: each run once, dependencies
    /// before the runs that need them, an IMP run after the IMP runs of the same chain at lower sparsities; then E16's
    /// <paramref name="text"/> runs, each after the dense run its mask comes from.</summary>
    public static RunPlan Of(IEnumerable<RunConfig> requested, string cacheRoot, IEnumerable<TextRunConfig>? text = null)
    {
        var order = new List<RunConfig>();
        var seen = new HashSet<string>();
        void Add(RunConfig run)
        {
            if (run.Method.DependsOn is { } dependency) Add(dependency);
            if (seen.Add(run.Key)) order.Add(run.Validate());
        }
        foreach (var run in requested) Add(run);
        var planned = new List<PlannedRun>();
        // Runs that share work (IMP's chain) extend it in order of sparsity.
        var byWork = order.Where(r => r.Method.SharedWork(r, cacheRoot) is not null)
            .GroupBy(r => r.Method.SharedWork(r, cacheRoot)!)
            .SelectMany(g => g.OrderBy(r => r.Sparsity).Zip(g.OrderBy(r => r.Sparsity).Skip(1), (before, after) => (before, after)))
            .ToDictionary(p => p.after.Key, p => p.before.Key);
        foreach (var run in order)
        {
            var needs = new List<string>();
            if (run.Method.DependsOn is { } dependency) needs.Add(dependency.Key);
            if (byWork.TryGetValue(run.Key, out var before)) needs.Add(before);
            planned.Add(new PlannedRun(run.Key, run.Label, run.Language, run.Sparsity, needs, run));
        }
        foreach (var run in CrossTaskRuns.WithSources(text ?? []))
            planned.Add(new PlannedRun(run.Key, run.Label, run.Task, run.Sparsity, run.SourceRun is { } source ? [source.Key] : [], null, run));
        // Dependencies come first; an IMP run's chain predecessor may come later in the list: order so every need is before.
        return new RunPlan(TopologicalOrder(planned));
    }

    static List<PlannedRun> TopologicalOrder(List<PlannedRun> runs)
    {
        var byKey = runs.ToDictionary(r => r.Key);
        var done = new HashSet<string>();
        var ordered = new List<PlannedRun>();
        void Visit(PlannedRun run)
        {
            if (!done.Add(run.Key)) return;
            foreach (var need in run.Needs) Visit(byKey[need]);
            ordered.Add(run);
        }
        foreach (var run in runs) Visit(run);
        return ordered;
    }

    /// <summary>The runs that have not finished in <paramref name="cacheRoot"/>, waiting only for unfinished ones (what a
    /// resubmission has left to do).</summary>
    public RunPlan Unfinished(string cacheRoot)
    {
        var left = runs.Where(r => !File.Exists(r.ResultFile(cacheRoot))).ToList();
        var keys = left.Select(r => r.Key).ToHashSet();
        return new RunPlan(left.Select(r => r with { Needs = r.Needs.Where(keys.Contains).ToList() }).ToList());
    }

    /// <summary>The run with this key; an error naming the plan file when there is none.</summary>
    public PlannedRun Find(string key, string planFile) => runs.FirstOrDefault(r => r.Key == key)
        ?? throw new KeyNotFoundException($"{planFile}: no run with key {key} (the plan has {runs.Count})");

    /// <summary>Writes the plan atomically: <c>{"runs": [{key, label, language, sparsity, needs, run | text_run}]}</c>.</summary>
    public void Save(string file)
    {
        var array = new JsonArray();
        foreach (var r in runs)
            array.Add(new JsonObject
            {
                ["key"] = r.Key, ["label"] = r.Label, ["language"] = r.Language, ["sparsity"] = r.Sparsity,
                ["needs"] = new JsonArray([.. r.Needs.Select(n => (JsonNode)n)]),
                [r.Text is null ? "run" : CrossTaskRuns.RecordingKey] = r.Text?.ToJson() ?? RunConfigJson.Write(r.Run!),
            });
        AtomicFile.WriteAllText(file, new JsonObject { ["runs"] = array }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Reads a plan written by <see cref="Save"/>; a file that is not one is an error naming it and the problem.</summary>
    public static RunPlan Load(string file)
    {
        if (!File.Exists(file)) throw new FileNotFoundException($"{file}: no such plan (make one with `plan`)", file);
        JsonNode? json;
        try { json = JsonNode.Parse(File.ReadAllText(file)); }
        catch (JsonException e) { throw new FormatException($"{file}: not a plan (invalid JSON: {e.Message})", e); }
        if (json?["runs"] is not JsonArray array) throw new FormatException($"{file}: not a plan (no \"runs\" list)");
        var planned = new List<PlannedRun>();
        foreach (var entry in array)
        {
            var key = (string?)entry?["key"] ?? throw new FormatException($"{file}: a run without a key");
            var needs = entry!["needs"]?.AsArray().Select(n => (string)n!).ToList() ?? [];
            if (entry[CrossTaskRuns.RecordingKey] is { } textJson)
            {
                var text = TextRunConfig.FromJson(textJson, $"{file}, run {key}");
                if (text.Key != key)
                    throw new FormatException($"{file}: run {key} describes run {text.Key} (made by another version of the code? make the plan again)");
                planned.Add(new PlannedRun(key, text.Label, text.Task, text.Sparsity, needs, null, text));
                continue;
            }
            var run = RunConfigJson.Read(entry["run"] ?? throw new FormatException($"{file}: run {key} has no description"), $"{file}, run {key}");
            if (run.Key != key)
                throw new FormatException($"{file}: run {key} describes run {run.Key} (made by another version of the code? make the plan again)");
            planned.Add(new PlannedRun(key, run.Label, run.Language, run.Sparsity, needs, run));
        }
        var keys = planned.Select(p => p.Key).ToHashSet();
        if (planned.SelectMany(p => p.Needs).FirstOrDefault(n => !keys.Contains(n)) is { } missing)
            throw new FormatException($"{file}: a run needs {missing}, which the plan does not hold");
        return new RunPlan(planned);
    }
}
