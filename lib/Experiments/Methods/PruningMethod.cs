using System.Text.Json.Nodes;
using Parp.Models;
using Parp.Pruning;
using Parp.Training;
using static TorchSharp.torch;

namespace Parp.Experiments.Methods;

/// <summary>
/// One of the paper's ways to get a (sub)network, as a run of the runner (docs/paper.md §3): what it needs from other
/// runs, what it adds to the run's cache key, how it trains (its initial mask and training callback) and what it costs.
/// A method is one file with one of these records; the runner, the cache and the tables need nothing else. Give it a
/// place in <see cref="DisplayOrder"/> to have figures list it among the others (unknown names come last).
/// </summary>
/// <param name="Name">The method's name in cache keys, results, tables and figures.</param>
public abstract record PruningMethod(string Name)
{
    /// <summary>The order figures and cost tables list methods in ("full" is the dense run's cost entry).</summary>
    public static readonly IReadOnlyList<string> DisplayOrder =
        [Dense.Kind, Mpi.Kind, RandomPruning.Kind, Omp.Kind, Imp.Kind, PruneAdjustReprune.Kind, ProgressivePruneAdjustReprune.Kind];

    /// <summary>True for the dense run: sparsity 0, no mask.</summary>
    public virtual bool IsDense => false;

    /// <summary>The dense run this method takes a mask or a rewind point from (OMP, IMP, PARP from a foreign mask), if any.</summary>
    public virtual RunConfig? DependsOn => null;

    /// <summary>PARP's re-prune interval n in updates, for methods that re-prune.</summary>
    public virtual int? ReprunesEvery => null;

    /// <summary>A short name for tables and legends: "omp", "omp (mask fr)", "parp-p 0.5→0.7".</summary>
    public virtual string Label(RunConfig run) =>
        DependsOn is { } source && source.Language != run.Language ? $"{Name} (mask {source.Language})" : Name;

    /// <summary>Null when <paramref name="run"/> is well formed for this method; otherwise what is wrong.</summary>
    public virtual string? Problem(RunConfig run) => DependsOn switch
    {
        null => null,
        { Method.IsDense: false } source => $"its mask must come from a dense run, not {source.Method.Name}",
        var source when source.Source != run.Source => $"the mask's run starts from another model ({source.Source}), so its mask does not fit",
        _ => null,
    };

    /// <summary>What the method adds to the run's canonical JSON, and so to its cache key (docs/paper.md fields only it uses).</summary>
    public virtual void AddKeyFields(JsonObject json)
    {
        if (DependsOn is { } source) json["mask_from"] = source.Key;
    }

    /// <summary>The sparsity of the mask the run starts from (PARP-P starts below its target).</summary>
    public virtual double InitialSparsity(RunConfig run) => run.Sparsity;

    /// <summary>
    /// A folder of work this run shares with other runs and may extend (IMP's chain of rounds), or null: the runner
    /// trains runs with the same shared work one after another, in the order given, never at once.
    /// </summary>
    public virtual string? SharedWork(RunConfig run, string cacheRoot) => null;

    /// <summary>About how many updates the run trains, its own work before it included (IMP's rounds): the runner starts
    /// first the runs on the longest chain of such work, so that no long run is left to train alone at the end.</summary>
    public virtual int EstimatedUpdates(RunConfig run) => run.Recipe.MaxUpdates;

    /// <summary>Work that needs no θ0, done before θ0 is built (IMP's chain), so the two are not in memory together.</summary>
    public virtual void Prepare(RunConfig run, IRunContext context) { }

    /// <summary>
    /// The training callback that makes this method of a plain fine-tuning run (null for none), given θ0 as the trainer
    /// created it: an initial mask is computed from that model, so θ0 is built once per run.
    /// </summary>
    public abstract ITrainingCallback? Callback(RunConfig run, Wav2Vec2ForCtc theta0, IRunContext context);

    /// <summary>The fine-tuning runs this run costs (docs/paper.md §10), each with the sparsities it serves: by default the
    /// run itself, serving its own sparsity.</summary>
    public virtual IEnumerable<RunCost> Costs(RunConfig run, RunResult result, IRunContext context) =>
        [new RunCost(Name, $"{run.Label} s={run.Sparsity.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)} {run.Key}",
            run.Sparsity, run.Sparsity, result.Updates, result.TrainSeconds)];

    /// <summary>The cost entry of a dependency's dense run, which serves every sparsity (OMP's θ_ft, IMP's θ_rw).</summary>
    protected RunCost DenseRunCost(RunConfig dense, IRunContext context)
    {
        var d = context.Finished(dense)[0];
        return new RunCost(Name, $"dense {dense.Language} {dense.Key}", 0, 1, d.Updates, d.TrainSeconds);
    }
}

/// <summary>What a method may ask of the runner while it sets a run up.</summary>
public interface IRunContext
{
    Device Device { get; }
    /// <summary>Where the cache of runs is.</summary>
    string CacheRoot { get; }
    /// <summary>The results of another run, training it first if needed (a dependency).</summary>
    IReadOnlyList<RunResult> Finished(RunConfig run);
    /// <summary>The labelled data a run trains on (opened once per runner call).</summary>
    LabelledData TrainData(RunConfig run);
}
