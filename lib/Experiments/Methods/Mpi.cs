using Parp.Models;
using Parp.Pruning;
using Parp.Training;

namespace Parp.Experiments.Methods;

/// <summary>MPI (docs/paper.md §3.2): the magnitude mask of the pre-trained weights θ0, held fixed while fine-tuning.</summary>
public sealed record Mpi() : PruningMethod(Kind)
{
    public const string Kind = "mpi";

    public override ITrainingCallback? Callback(RunConfig run, Wav2Vec2ForCtc theta0, IRunContext context) =>
        new FixedMaskCallback(PruningMethods.Mpi(theta0, run.Sparsity));
}
