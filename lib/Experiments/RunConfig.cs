using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Parp.Experiments.Methods;
using Parp.IO;
using Parp.Training;

namespace Parp.Experiments;

/// <summary>
/// One fine-tuning run of an experiment (docs/paper.md §3, §9): everything that decides its result. Its
/// <see cref="Key"/> is a hash of all of it, and names its cache folder. What is particular to a method (PARP's
/// interval, the dense run an OMP mask comes from, IMP's round recipe) lives in the method's record
/// (<see cref="PruningMethod"/>, one file each in <c>Methods/</c>). <see cref="Language"/> is one language code, or
/// several joined by '+' for the joint multilingual run (docs/paper.md §3.10).
/// </summary>
/// <param name="Method">The method and its own settings.</param>
/// <param name="Sparsity">Target sparsity of the pool (0 for the dense run).</param>
/// <param name="Source">Where fine-tuning starts (θ0): the pre-trained model, or a random preset at smoke scale.</param>
/// <param name="Recipe">The fine-tuning recipe, seed included.</param>
/// <param name="CorpusScale">Generated corpus scale (smoke, tiny) or, at paper scale, the dataset's name.</param>
/// <param name="Language">Language code of the corpus ("es+fr+nl" for a joint run).</param>
/// <param name="TrainSplit">Labelled split fine-tuned on (10min, 1h, ...).</param>
/// <param name="EvalSplit">Split scored (test).</param>
public sealed record RunConfig(PruningMethod Method, double Sparsity, ModelSource Source, FineTuneRecipe Recipe,
    string CorpusScale, string Language, string TrainSplit, string EvalSplit)
{
    /// <summary>Part of every key: raise it when what a run computes or records changes, so old cached results are not reused.</summary>
    public const int RunnerVersion = 5;   // 5: fixed masks zero gradients before the clip; 4: dropout from the run's own generator, features cached

    /// <summary>The languages trained on (one, or the joint run's several), in order.</summary>
    public IReadOnlyList<string> Languages => Language.Split('+');

    /// <summary>A short name for tables and legends: "omp", "omp (mask fr)", "parp-p 0.5→0.7".</summary>
    public string Label => Method.Label(this);

    /// <summary>Checks the sparsity (the one place it is checked for a run) and what the method needs; returns this run.</summary>
    public RunConfig Validate()
    {
        var problem = Method.IsDense
            ? Sparsity == 0 ? null : "a dense run has sparsity 0"
            : ParameterRules.IsPrunedSparsity(Sparsity) ? Method.Problem(this) : $"sparsity {Sparsity} is outside (0, 1)";
        if (problem is not null) throw new ArgumentException($"run {Label} s={Sparsity}: {problem}");
        return this;
    }

    /// <summary>Canonical JSON of the configuration (what is hashed, and saved as <c>config.json</c>).</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject
        {
            ["runner"] = RunnerVersion,
            ["method"] = Method.Name,
            ["sparsity"] = Sparsity.ToString("R", CultureInfo.InvariantCulture),
            ["model_source"] = Source.Folder is not null ? "folder:" + SourceName(Source.Folder) : "random:" + Source.Preset,
            ["recipe"] = Recipe.ToJson(),
            ["data"] = new JsonObject { ["corpus"] = CorpusScale, ["language"] = Language, ["train"] = TrainSplit, ["eval"] = EvalSplit },
        };
        Method.AddKeyFields(json);
        return json;
    }

    /// <summary>16 hex digits of SHA-256 over <see cref="ToJson"/>: stable across processes and machines.</summary>
    public string Key => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(ToJson().ToJsonString()))).ToLowerInvariant()[..16];

    // A folder inside the repository is named relative to it, so a key (and a sweep's plan) does not depend on where the
    // checkout lives.
    internal static string SourceName(string folder)
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
/// <param name="Method">The method's name (<see cref="PruningMethod.Name"/>).</param>
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
    bool FromCache)
{
    /// <summary>True for the full model's result.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsDense => Method == Dense.Kind;
}
