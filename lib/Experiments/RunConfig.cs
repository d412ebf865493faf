using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Parp.IO;
using Parp.Training;

namespace Parp.Experiments;

/// <summary>
/// One fine-tuning run of an experiment (PARP-SPEC §3, §9): everything that decides its result. Its <see cref="Key"/>
/// is a hash of all of it, and names its cache folder. The methods:
/// <list type="bullet">
/// <item><c>dense</c>: no pruning (the full model, E1).</item>
/// <item><c>mpi</c>: the fixed MPI mask of θ0 at <see cref="Sparsity"/> (§3.2).</item>
/// <item><c>random</c>: a fixed uniformly random mask, seeded by the recipe's seed (§3.5).</item>
/// <item><c>omp</c>: the fixed OMP mask of the dense run <see cref="MaskFrom"/>, from θ0 (§3.3). When that run is on
///   another language this is the fixed cross-lingual transfer (§3.9 a).</item>
/// <item><c>imp</c>: the fixed mask of IMP round 10·s of the chain rewound to <see cref="MaskFrom"/>'s model with
///   <see cref="ImpRoundRecipe"/> rounds (§3.4); the final fine-tune starts from θ0.</item>
/// <item><c>parp</c>: Algorithm 1 from the MPI mask, or from <see cref="MaskFrom"/>'s OMP mask when given (§3.6, §3.9 b).</item>
/// <item><c>parp-p</c>: PARP-P from the MPI mask at <see cref="StartSparsity"/> to <see cref="Sparsity"/> (§3.8).</item>
/// </list>
/// <see cref="Language"/> is one language code, or several joined by '+' for the joint multilingual run (§3.10).
/// </summary>
/// <param name="Method">dense, mpi, random, omp, imp, parp or parp-p.</param>
/// <param name="Sparsity">Target sparsity of the pool (0 for dense).</param>
/// <param name="Source">Where fine-tuning starts (θ0): the pre-trained model, or a random preset at smoke scale.</param>
/// <param name="Recipe">The fine-tuning recipe, seed included.</param>
/// <param name="CorpusScale">Generated corpus scale (smoke, tiny) or, at paper scale, the dataset's name.</param>
/// <param name="Language">Language code of the corpus ("es+fr+nl" for a joint run).</param>
/// <param name="TrainSplit">Labelled split fine-tuned on (10min, 1h, ...).</param>
/// <param name="EvalSplit">Split scored (test).</param>
/// <param name="ParpInterval">PARP's re-prune interval n in updates (§3.7); only parp and parp-p use it.</param>
/// <param name="StartSparsity">PARP-P's starting sparsity s0; only parp-p uses it.</param>
/// <param name="MaskFrom">The dense run whose fine-tuned model gives the OMP mask (omp, parp) or the rewind point θ_rw (imp).</param>
/// <param name="ImpRoundRecipe">The recipe of one IMP round; only imp uses it.</param>
public sealed record RunConfig(string Method, double Sparsity, ModelSource Source, FineTuneRecipe Recipe,
    string CorpusScale, string Language, string TrainSplit, string EvalSplit, int ParpInterval = 0,
    double StartSparsity = 0, RunConfig? MaskFrom = null, FineTuneRecipe? ImpRoundRecipe = null)
{
    public static readonly IReadOnlyList<string> Methods = ["dense", "mpi", "random", "omp", "imp", "parp", "parp-p"];

    /// <summary>Part of every key: raise it when what a run computes or records changes, so old cached results are not reused.</summary>
    public const int RunnerVersion = 3;

    /// <summary>The languages trained on (one, or the joint run's several), in order.</summary>
    public IReadOnlyList<string> Languages => Language.Split('+');

    /// <summary>True for a pruning method whose mask stays fixed through fine-tuning.</summary>
    public bool IsFixedMask => Method is "mpi" or "random" or "omp" or "imp";

    /// <summary>IMP's round that reaches this run's sparsity (10·s; the chain adds 10 % of the pool per round).</summary>
    public int ImpRound => (int)Math.Round(Sparsity * 10, MidpointRounding.ToEven);

    /// <summary>A short name for tables and legends: "omp", "omp (mask fr)", "parp n=30", "parp-p 0.5→0.7".</summary>
    public string Label => Method switch
    {
        "parp-p" => string.Create(CultureInfo.InvariantCulture, $"parp-p {StartSparsity:0.##}→{Sparsity:0.##}"),
        _ when MaskFrom is not null && MaskFrom.Language != Language => $"{Method} (mask {MaskFrom.Language})",
        _ => Method,
    };

    /// <summary>Checks that the method has what it needs; returns this run.</summary>
    public RunConfig Validate()
    {
        string Problem() => Method switch
        {
            _ when !Methods.Contains(Method) => $"unknown method '{Method}' (one of {string.Join(", ", Methods)})",
            "dense" when Sparsity != 0 => "a dense run has sparsity 0",
            not "dense" when Sparsity is <= 0 or >= 1 => $"sparsity {Sparsity} is outside (0, 1)",
            "omp" or "imp" when MaskFrom is null => $"{Method} needs the dense run its mask comes from (MaskFrom)",
            _ when MaskFrom is not null && MaskFrom.Method != "dense" => $"MaskFrom must be a dense run, not {MaskFrom.Method}",
            _ when MaskFrom is not null && MaskFrom.Source != Source => $"the mask's run starts from another model ({MaskFrom.Source}), so its mask does not fit",
            _ when MaskFrom is not null && Method is not ("omp" or "imp" or "parp") => $"{Method} takes no MaskFrom",
            "imp" when ImpRoundRecipe is null => "imp needs the recipe of its rounds (ImpRoundRecipe)",
            "imp" when ImpRound < 1 => $"imp reaches 10 % per round; sparsity {Sparsity} is below one round",
            "imp" when MaskFrom!.Language != Language => "imp rewinds to a dense run of the same language",
            "parp" or "parp-p" when ParpInterval < 1 => $"{Method} needs a re-prune interval of at least 1 update",
            "parp-p" when StartSparsity <= 0 || StartSparsity >= Sparsity => $"parp-p starts below its target: {StartSparsity} → {Sparsity}",
            _ when Languages.Count > 1 && Method is "omp" or "imp" => $"{Method} is not run jointly (the joint run's baseline is per language)",
            _ => "",
        };
        var problem = Problem();
        if (problem != "") throw new ArgumentException($"run {Label} s={Sparsity}: {problem}");
        return this;
    }

    /// <summary>Canonical JSON of the configuration (what is hashed, and saved as <c>config.json</c>).</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject
        {
            ["runner"] = RunnerVersion,
            ["method"] = Method,
            ["sparsity"] = Sparsity.ToString("R", CultureInfo.InvariantCulture),
            ["model_source"] = Source.Folder is not null ? "folder:" + SourceName(Source.Folder) : "random:" + Source.Preset,
            ["recipe"] = Recipe.ToJson(),
            ["data"] = new JsonObject { ["corpus"] = CorpusScale, ["language"] = Language, ["train"] = TrainSplit, ["eval"] = EvalSplit },
        };
        if (Method is "parp" or "parp-p") json["parp_interval"] = ParpInterval;
        if (Method == "parp-p") json["start_sparsity"] = StartSparsity.ToString("R", CultureInfo.InvariantCulture);
        if (MaskFrom is not null) json["mask_from"] = MaskFrom.Key;
        if (Method == "imp") json["imp_round_recipe"] = ImpRoundRecipe!.ToJson();
        return json;
    }

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

/// <summary>One finished run scored on one language (a joint run gives one result per language).</summary>
/// <param name="Method">As in <see cref="RunConfig"/>.</param>
/// <param name="Label">The run's <see cref="RunConfig.Label"/>.</param>
/// <param name="Sparsity">Target sparsity (0 for dense).</param>
/// <param name="Language">The language scored.</param>
/// <param name="TrainedOn">The run's language ("es+fr+nl" for the joint run).</param>
/// <param name="Key">The run's cache key.</param>
/// <param name="ErrorRate">WER (letters) or PER (phones) on the eval split, in percent.</param>
/// <param name="Metric">"WER" or "PER".</param>
/// <param name="CharacterErrorRate">CER in percent for letters (null for phones): the finer measure where WER is near 100 %.</param>
/// <param name="MeasuredSparsity">The pool's measured sparsity of the final model.</param>
/// <param name="Updates">Updates trained.</param>
/// <param name="TrainSeconds">The trainer's wall time (carried over a resume).</param>
/// <param name="FromCache">True when this process read the result back instead of training.</param>
public sealed record RunResult(string Method, string Label, double Sparsity, string Language, string TrainedOn, string Key,
    double ErrorRate, string Metric, double? CharacterErrorRate, double MeasuredSparsity, int Updates, double TrainSeconds,
    bool FromCache);

/// <summary>What the runner reports while it works (for a notebook display).</summary>
public sealed record ExperimentProgress(int RunIndex, int RunCount, RunConfig Run, TrainingProgress? Training)
{
    public override string ToString() => $"run {RunIndex + 1}/{RunCount} {Run.Label} {Run.Language} s={Run.Sparsity:0.##}: "
        + (Training is null ? "starting" : Training.ToString());
}
