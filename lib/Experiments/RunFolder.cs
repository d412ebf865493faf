using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Parp.IO;
using Parp.Models.Checkpoints;
using Parp.Pruning;
using Parp.Training;

namespace Parp.Experiments;

/// <summary>
/// The cache folder of one run, <c>CACHE/&lt;key&gt;/</c> (layout in <c>lib/Experiments/README.md</c>), and whether what
/// it holds can be trusted. <see cref="Finished"/> reads a finished run back only when its files are whole and are this
/// run's: a truncated or foreign <c>result.json</c>, a missing, truncated or foreign mask, an unreadable PARP log or
/// model are moved aside (<c>NAME.damaged</c>, nothing is deleted) with a warning, and the run is finished again from
/// its checkpoints. A folder whose <c>config.json</c> describes another run is moved aside whole and the run redone.
/// </summary>
public sealed class RunFolder(string path)
{
    /// <summary>Mask metadata naming the run a mask file belongs to.</summary>
    public const string RunKeyMetadata = "parp.run";

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static RunFolder Of(RunConfig run, string cacheRoot) => new(System.IO.Path.Combine(cacheRoot, run.Key));

    public string Path { get; } = path;
    public string ConfigFile => System.IO.Path.Combine(Path, "config.json");
    public string ResultFile => System.IO.Path.Combine(Path, "result.json");
    /// <summary>The resumable <c>FineTuning.Run</c> folder (checkpoints, metrics.jsonl, at the end <c>model/</c>).</summary>
    public string TrainingFolder => System.IO.Path.Combine(Path, "run");
    public string ModelFolder => System.IO.Path.Combine(TrainingFolder, "model");
    public string MasksFolder => System.IO.Path.Combine(Path, "masks");
    public string InitialMask => System.IO.Path.Combine(MasksFolder, "initial.safetensors");
    public string FinalMask => System.IO.Path.Combine(MasksFolder, "final.safetensors");
    public string ParpHistory => System.IO.Path.Combine(Path, "parp-history.json");
    public string Evaluation(string language) => System.IO.Path.Combine(Path, $"evaluation-{language}.json");

    /// <summary>The run's results when it finished and every file it needs is whole and its own; null when it has to be
    /// (re)done. Damaged files are moved aside first, each with a warning on <paramref name="warn"/>.</summary>
    public List<RunResult>? Finished(RunConfig run, Action<string> warn)
    {
        if (File.Exists(ConfigFile) && ConfigProblem(run) is { } foreign)
        {
            var aside = MoveAside(Path);
            warn($"{Path} holds another run ({foreign}); moved to {aside}, the run is redone");
            return null;
        }
        if (!File.Exists(ResultFile)) return null;

        var (results, problem) = ReadResults(run);
        var damaged = new List<(string File, string Problem)>();
        if (problem is not null) damaged.Add((ResultFile, problem));
        if (!File.Exists(ConfigFile)) damaged.Add((ResultFile, "no config.json beside it says which run it belongs to"));
        foreach (var file in run.Method.IsDense ? [] : new[] { InitialMask, FinalMask })
            if (MaskProblem(file, run) is { } p) damaged.Add((file, p));
        if (run.Method.ReprunesEvery is not null && HistoryProblem() is { } h) damaged.Add((ParpHistory, h));
        if (ModelProblem() is { } m) damaged.Add((ModelFolder, m));
        if (damaged.Count == 0) return results;

        // Whatever is wrong, the result can no longer be trusted: it goes too, and the run is finished again.
        if (!damaged.Any(d => d.File == ResultFile)) damaged.Add((ResultFile, "written with the damaged files above"));
        foreach (var (file, why) in damaged)
            if (File.Exists(file) || Directory.Exists(file)) warn($"{file}: {why}; moved to {MoveAside(file)}, the run is finished again");
            else warn($"{file}: {why}; the run is finished again");
        return null;
    }

    /// <summary>Writes the run's description before it trains (what <see cref="Finished"/> checks the folder against).</summary>
    public void WriteConfig(RunConfig run)
    {
        Directory.CreateDirectory(Path);
        AtomicFile.RemoveStaleTemporaries(Path);
        AtomicFile.RemoveStaleTemporaries(MasksFolder);
        AtomicFile.WriteAllText(ConfigFile, run.ToJson().ToJsonString(Json));
    }

    public void WriteResults(IReadOnlyList<RunResult> results) => AtomicFile.WriteAllText(ResultFile, JsonSerializer.Serialize(results, Json));

    /// <summary>
    /// Saves what a pruning run's callback ends with: its initial and final masks, marked as this run's (a mask already
    /// there was checked by <see cref="Finished"/>, or written by this run before it was stopped), and PARP's log.
    /// </summary>
    public void SaveMasks(RunConfig run, ITrainingCallback? callback)
    {
        var owner = new Dictionary<string, string> { [RunKeyMetadata] = run.Key };
        if (callback is IPruningCallback pruning)
        {
            foreach (var (file, mask) in new[] { (InitialMask, pruning.InitialMask), (FinalMask, pruning.FinalMask) })
                if (!File.Exists(file)) mask.Save(file, owner);
        }
        if (callback is ParpCallback parp) AtomicFile.WriteAllText(ParpHistory, JsonSerializer.Serialize(parp.History, Json));
    }

    /// <summary>The fine-tuned model folder (HF layout) of a finished run.</summary>
    public string FinishedModel(RunConfig run) => File.Exists(System.IO.Path.Combine(ModelFolder, "config.json")) ? ModelFolder
        : throw new DirectoryNotFoundException($"run {run.Key} ({run.Label} {run.Language}) has no fine-tuned model yet: {ModelFolder}");

    /// <summary>A finished pruned run's mask: the one it started from, or the one it ended with (dispose it).</summary>
    public Mask LoadMask(RunConfig run, bool final)
    {
        var file = final ? FinalMask : InitialMask;
        if (!File.Exists(file)) throw new FileNotFoundException($"run {run.Key} ({run.Label} s={run.Sparsity}) has no {(final ? "final" : "initial")} mask: {file} (a dense run has none; run it first)", file);
        return Mask.Load(file);
    }

    /// <summary>PARP's log of a finished parp or parp-p run: one point per (re-)prune.</summary>
    public List<ReprunePoint> LoadParpHistory(RunConfig run) => File.Exists(ParpHistory)
        ? JsonSerializer.Deserialize<List<ReprunePoint>>(File.ReadAllText(ParpHistory))!
        : throw new FileNotFoundException($"no PARP history for run {run.Key} ({run.Label}): {ParpHistory} (run it first)", ParpHistory);

    /// <summary>The training log (<c>metrics.jsonl</c>) of a run that has started.</summary>
    public string MetricsFile => System.IO.Path.Combine(TrainingFolder, "metrics.jsonl");

    string? ConfigProblem(RunConfig run)
    {
        JsonNode? saved;
        try { saved = JsonNode.Parse(File.ReadAllText(ConfigFile)); }
        catch (JsonException e) { return $"config.json is not valid JSON: {e.Message}"; }
        var expected = run.ToJson();
        return JsonNode.DeepEquals(saved, expected) ? null
            : $"its config.json is not this run's {run.Label} {run.Language} s={run.Sparsity.ToString(CultureInfo.InvariantCulture)}";
    }

    (List<RunResult>? Results, string? Problem) ReadResults(RunConfig run)
    {
        List<RunResult>? results;
        try { results = JsonSerializer.Deserialize<List<RunResult>>(File.ReadAllText(ResultFile)); }
        catch (JsonException e) { return (null, $"not a list of results (truncated?): {e.Message}"); }
        if (results is null || results.Count == 0) return (null, "holds no result");
        var foreign = results.FirstOrDefault(r => r.Key != run.Key || r.Method != run.Method.Name || r.TrainedOn != run.Language || r.Sparsity != run.Sparsity);
        if (foreign is not null) return (null, $"holds the result of another run (key {foreign.Key}, {foreign.Label} {foreign.TrainedOn} s={foreign.Sparsity.ToString(CultureInfo.InvariantCulture)})");
        if (!results.Select(r => r.Language).SequenceEqual(run.Languages)) return (null, $"scores {string.Join("+", results.Select(r => r.Language))}, the run {run.Language}");
        return (results.Select(r => r with { FromCache = true }).ToList(), null);
    }

    // A mask is whole (every tensor's bytes in the file) and this run's: its run key when it has one (masks saved by the
    // runner since the key was recorded), otherwise a target sparsity that fits.
    static string? MaskProblem(string file, RunConfig run)
    {
        if (!File.Exists(file)) return "missing";
        Dictionary<string, string> meta;
        try { meta = SafetensorsFile.Verify(file); }
        catch (CheckpointException e) { return e.Message; }
        if (meta.TryGetValue(RunKeyMetadata, out var key)) return key == run.Key ? null : $"belongs to run {key}";
        double target = meta.TryGetValue("parp.target_sparsity", out var t) && double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN;
        double expected = file.EndsWith("initial.safetensors", StringComparison.Ordinal) ? run.Method.InitialSparsity(run) : run.Sparsity;
        return Math.Abs(target - expected) < 1e-3 ? null : $"has target sparsity {t ?? "(none)"}, the run {expected.ToString(CultureInfo.InvariantCulture)}";
    }

    string? HistoryProblem()
    {
        if (!File.Exists(ParpHistory)) return "missing";
        try { return JsonSerializer.Deserialize<List<ReprunePoint>>(File.ReadAllText(ParpHistory)) is { Count: > 0 } ? null : "holds no re-prune"; }
        catch (JsonException e) { return $"not a PARP log (truncated?): {e.Message}"; }
    }

    string? ModelProblem()
    {
        var weights = System.IO.Path.Combine(ModelFolder, "model.safetensors");
        if (!File.Exists(System.IO.Path.Combine(ModelFolder, "config.json")) || !File.Exists(weights)) return "the fine-tuned model is missing";
        try { SafetensorsFile.Verify(weights); return null; }
        catch (CheckpointException e) { return e.Message; }
    }

    // FILE → FILE.damaged (or .damaged-2, ...): kept for a look, out of the way of the redo.
    internal static string MoveAside(string file)
    {
        var aside = file + ".damaged";
        for (int i = 2; File.Exists(aside) || Directory.Exists(aside); i++) aside = $"{file}.damaged-{i}";
        if (Directory.Exists(file)) Directory.Move(file, aside);
        else File.Move(file, aside);
        return aside;
    }
}

/// <summary>
/// The folder of an IMP chain, <c>CACHE/imp-chain-&lt;key&gt;/</c>: one resumable fine-tuning folder per round
/// (<c>imp-round-k/</c>), each round's mask (<c>masks/imp-round-k.safetensors</c>) and what each round cost
/// (<c>rounds.json</c>). One chain serves every IMP run with the same dense run and round recipe.
/// </summary>
public sealed class ImpChainFolder(string path)
{
    /// <summary>The cost of one round as its trainer measured it.</summary>
    public sealed record RoundCost(int Round, long Updates, double Seconds);

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>The chain an IMP run uses: keyed by the run's configuration at 0.5 with the round recipe, so every
    /// sparsity of the same chain shares it.</summary>
    public static ImpChainFolder Of(RunConfig imp, string cacheRoot)
    {
        var method = (Methods.Imp)imp.Method;
        return new(System.IO.Path.Combine(cacheRoot, "imp-chain-" + (imp with { Sparsity = 0.5, Recipe = method.RoundRecipe }).Key));
    }

    public string Path { get; } = path;
    public string MasksFolder => System.IO.Path.Combine(Path, "masks");
    public string RoundsFile => System.IO.Path.Combine(Path, "rounds.json");
    public string RoundMaskFile(int round) => System.IO.Path.Combine(MasksFolder, $"imp-round-{round.ToString(CultureInfo.InvariantCulture)}.safetensors");

    /// <summary>True when round k's mask is there and whole; a damaged one is moved aside (with a warning) so the round is done again.</summary>
    public bool HasRoundMask(int round)
    {
        var file = RoundMaskFile(round);
        if (!File.Exists(file)) return false;
        try { SafetensorsFile.Verify(file); return true; }
        catch (CheckpointException e)
        {
            Console.Error.WriteLine($"warning: {e.Message}; moved to {RunFolder.MoveAside(file)}, the chain's round is done again");
            return false;
        }
    }

    /// <summary>Round k's mask (dispose it), or null when the chain has not reached round k.</summary>
    public Mask? RoundMask(int round) => HasRoundMask(round) ? Mask.Load(RoundMaskFile(round)) : null;

    /// <summary>What each round cost, as recorded (empty before the chain ran).</summary>
    public List<RoundCost> RoundCosts() =>
        File.Exists(RoundsFile) ? JsonSerializer.Deserialize<List<RoundCost>>(File.ReadAllText(RoundsFile))! : [];

    /// <summary>Records the rounds just run, keeping those of a longer chain that ran before.</summary>
    public void RecordRoundCosts(IReadOnlyList<RoundCost> rounds)
    {
        var longer = RoundCosts().Where(c => c.Round > rounds.Count);
        AtomicFile.WriteAllText(RoundsFile, JsonSerializer.Serialize(rounds.Concat(longer).ToList(), Json));
    }
}
