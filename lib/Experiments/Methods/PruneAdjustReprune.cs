using System.Text.Json.Nodes;
using Parp.Models;
using Parp.Pruning;
using Parp.Training;

namespace Parp.Experiments.Methods;

/// <summary>
/// PARP (docs/paper.md §3.6, Algorithm 1): from the MPI mask of θ0, or from another dense run's OMP mask (the
/// cross-lingual start, docs/paper.md §3.9 b), the pruned weights are zeroed once and train on; every <paramref name="Interval"/>
/// updates the pool is re-pruned to the initial mask's measured sparsity, and once more at the end. Over several
/// languages (Language "es+fr") this is the joint multilingual run (docs/paper.md §3.10).
/// </summary>
/// <param name="Interval">The re-prune interval n in updates (docs/paper.md §3.7).</param>
/// <param name="MaskFrom">The dense run whose OMP mask starts the run; null for the MPI mask of θ0.</param>
public sealed record PruneAdjustReprune(int Interval, RunConfig? MaskFrom = null) : PruningMethod(Kind)
{
    public const string Kind = "parp";
    public override RunConfig? DependsOn => MaskFrom;
    public override int? ReprunesEvery => Interval;

    public override string? Problem(RunConfig run) =>
        Interval < 1 ? "parp needs a re-prune interval of at least 1 update" : base.Problem(run);

    public override void AddKeyFields(JsonObject json)
    {
        json["parp_interval"] = Interval;
        base.AddKeyFields(json);
    }

    public override ITrainingCallback? Callback(RunConfig run, Wav2Vec2ForCtc theta0, IRunContext context) =>
        new ParpCallback(MaskFrom is null ? PruningMethods.Mpi(theta0, run.Sparsity) : Omp.MaskOf(MaskFrom, run.Sparsity, context.CacheRoot),
            new ParpOptions(Interval));
}
