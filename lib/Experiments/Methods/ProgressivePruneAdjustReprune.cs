using System.Globalization;
using System.Text.Json.Nodes;
using Parp.Models;
using Parp.Pruning;
using Parp.Training;

namespace Parp.Experiments.Methods;

/// <summary>
/// PARP-P (docs/paper.md §3.8): PARP from the MPI mask at a lower sparsity <paramref name="StartSparsity"/>, whose
/// re-prune target rises linearly over the run to the run's sparsity, reached by the final re-prune.
/// </summary>
/// <param name="StartSparsity">s0, the sparsity of the initial MPI mask.</param>
/// <param name="Interval">The re-prune interval n in updates.</param>
public sealed record ProgressivePruneAdjustReprune(double StartSparsity, int Interval) : PruningMethod(Kind)
{
    public const string Kind = "parp-p";
    public override int? ReprunesEvery => Interval;

    public override double InitialSparsity(RunConfig run) => StartSparsity;

    public override string Label(RunConfig run) => string.Create(CultureInfo.InvariantCulture, $"{Kind} {StartSparsity:0.##}→{run.Sparsity:0.##}");

    public override string? Problem(RunConfig run) =>
        Interval < 1 ? "parp-p needs a re-prune interval of at least 1 update"
        : StartSparsity <= 0 || StartSparsity >= run.Sparsity ? $"parp-p starts below its target: {StartSparsity} → {run.Sparsity}"
        : null;

    public override void AddKeyFields(JsonObject json)
    {
        json["parp_interval"] = Interval;
        json["start_sparsity"] = StartSparsity.ToString("R", CultureInfo.InvariantCulture);
    }

    public override ITrainingCallback? Callback(RunConfig run, Wav2Vec2ForCtc theta0, IRunContext context) =>
        new ParpCallback(PruningMethods.Mpi(theta0, StartSparsity), new ParpOptions(Interval, SparsitySchedule.Linear(run.Sparsity)));
}
