using Parp.Models;
using Parp.Pruning;
using Parp.Training;

namespace Parp.Experiments.Methods;

/// <summary>The full model (docs/paper.md §3.1, E1): the pre-trained model fine-tuned densely. Also OMP's θ_ft and IMP's θ_rw.</summary>
public sealed record Dense() : PruningMethod(Kind)
{
    public const string Kind = "dense";
    public override bool IsDense => true;

    public override ITrainingCallback? Callback(RunConfig run, Wav2Vec2ForCtc theta0, IRunContext context) => null;

    /// <summary>Counted as the "full" method: one run that serves every sparsity.</summary>
    public override IEnumerable<RunCost> Costs(RunConfig run, RunResult result, IRunContext context) =>
        [new RunCost("full", $"dense {run.Language} {run.Key}", 0, 1, result.Updates, result.TrainSeconds)];
}
