using Parp.Models;
using Parp.Models.Checkpoints;
using Parp.Pruning;
using Parp.Training;

namespace Parp.Experiments.Methods;

/// <summary>
/// OMP (docs/paper.md §3.3): the magnitude mask of a dense run's fine-tuned weights θ_ft, applied to θ0 and held fixed.
/// When the dense run is of another language this is the fixed cross-lingual transfer (docs/paper.md §3.9 a).
/// </summary>
/// <param name="MaskFrom">The dense run whose fine-tuned model gives the mask.</param>
public sealed record Omp(RunConfig MaskFrom) : PruningMethod(Kind)
{
    public const string Kind = "omp";
    public override RunConfig? DependsOn => MaskFrom;

    public override string? Problem(RunConfig run) =>
        run.Languages.Count > 1 ? "omp is not run jointly (the joint run's baseline is per language)" : base.Problem(run);

    public override ITrainingCallback? Callback(RunConfig run, Wav2Vec2ForCtc theta0, IRunContext context) =>
        new FixedMaskCallback(MaskOf(MaskFrom, run.Sparsity, context.CacheRoot));

    /// <summary>An OMP run costs its dense run, which serves every sparsity, and itself.</summary>
    public override IEnumerable<RunCost> Costs(RunConfig run, RunResult result, IRunContext context) =>
        [DenseRunCost(MaskFrom, context), .. base.Costs(run, result, context)];

    /// <summary>The OMP masks of a finished dense run at several sparsities, loading its model once (dispose them).</summary>
    public static List<Mask> MasksOf(RunConfig dense, IEnumerable<double> sparsities, string cacheRoot)
    {
        using var model = HfCheckpoint.LoadCtc(RunFolder.Of(dense, cacheRoot).FinishedModel(dense));
        return sparsities.Select(s => PruningMethods.Omp(model, s, $"{dense.Language} dense run {dense.Key}")).ToList();
    }

    /// <summary>The OMP mask of a finished dense run at <paramref name="sparsity"/> (dispose it).</summary>
    public static Mask MaskOf(RunConfig dense, double sparsity, string cacheRoot) => MasksOf(dense, [sparsity], cacheRoot)[0];
}
