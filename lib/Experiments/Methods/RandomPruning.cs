using Parp.Models;
using Parp.Pruning;
using Parp.Training;

namespace Parp.Experiments.Methods;

/// <summary>Random pruning (docs/paper.md §3.5): a uniformly random mask, seeded by the recipe's seed, held fixed.</summary>
public sealed record RandomPruning() : PruningMethod(Kind)
{
    public const string Kind = "random";

    public override ITrainingCallback? Callback(RunConfig run, Wav2Vec2ForCtc theta0, IRunContext context) =>
        new FixedMaskCallback(PruningMethods.Random(theta0, run.Sparsity, (ulong)run.Recipe.Seed));
}
