using Parp.Pruning;

namespace Parp.Experiments;

/// <summary>One mask comparison at one sparsity (PARP-SPEC §4), with the chance levels of independent random masks.</summary>
public sealed record OverlapPoint(string Pair, double Sparsity, double KeptIou, double PrunedIou, double KeptChance, double PrunedChance);

/// <summary>How far PARP moved its mask (E9): IoU of the initial and final masks, and revived weights.</summary>
public sealed record MaskDrift(string Label, string Language, double Sparsity, double KeptIou, long Revived, long Kept, double RevivedPercentOfKept);

/// <summary>
/// The mask analyses of the paper's observations over cached runs (E7–E9): masks are computed from finished runs'
/// models (OMP), θ0 (MPI), IMP's chain or read from a run's folder, so nothing here trains.
/// </summary>
public static class MaskStudies
{
    /// <summary>
    /// Observation 1 (E7): IoU of the task-agnostic MPI mask with the task-aware OMP mask of <paramref name="dense"/>
    /// at every sparsity, and with IMP's masks where its chain (the one <paramref name="imp"/> uses) has them.
    /// </summary>
    public static List<OverlapPoint> ObservationOne(ExperimentSetting setting, RunConfig dense, IEnumerable<double> sparsities,
        RunConfig? imp = null, string? cacheRoot = null)
    {
        var levels = sparsities.ToList();
        var mpi = ExperimentRunner.MpiMasks(setting, levels);
        var omp = ExperimentRunner.OmpMasks(dense, levels, cacheRoot);
        try
        {
            var points = new List<OverlapPoint>();
            for (int i = 0; i < levels.Count; i++)
            {
                double s = levels[i];
                points.Add(Point("MPI vs OMP", s, mpi[i], omp[i]));
                int round = (int)Math.Round(s * 10);
                if (imp is null || Math.Abs(round / 10.0 - s) > 1e-9) continue;
                using var impMask = ExperimentRunner.ImpMask(imp, round, cacheRoot);
                if (impMask is null) continue;                   // the chain did not reach this sparsity
                points.Add(Point("MPI vs IMP", s, mpi[i], impMask));
                points.Add(Point("OMP vs IMP", s, omp[i], impMask));
            }
            return points;
        }
        finally { foreach (var m in mpi.Concat(omp)) m.Dispose(); }
    }

    /// <summary>The chance levels alone (the reference lines of the IoU figures).</summary>
    public static List<OverlapPoint> Chance(IEnumerable<double> sparsities) => sparsities
        .Select(s => new OverlapPoint("chance", s, MaskAnalysis.ChanceIou(1 - s, 1 - s), MaskAnalysis.ChanceIou(s, s),
            MaskAnalysis.ChanceIou(1 - s, 1 - s), MaskAnalysis.ChanceIou(s, s))).ToList();

    /// <summary>
    /// E8: kept-set IoU between the OMP masks of the languages' dense runs at <paramref name="sparsity"/>, as a matrix
    /// [i][j] in the order of <paramref name="denseRuns"/> (the diagonal is 1).
    /// </summary>
    public static double[][] CrossLanguageIou(IReadOnlyList<RunConfig> denseRuns, double sparsity, string? cacheRoot = null)
    {
        var masks = new List<Mask>();
        try
        {
            foreach (var run in denseRuns) masks.Add(ExperimentRunner.OmpMask(run, sparsity, cacheRoot));   // one model per language
            var iou = new double[masks.Count][];
            for (int i = 0; i < masks.Count; i++) iou[i] = new double[masks.Count];
            for (int i = 0; i < masks.Count; i++)
            {
                iou[i][i] = 1;
                for (int j = i + 1; j < masks.Count; j++)
                    iou[i][j] = iou[j][i] = MaskAnalysis.Overlap(masks[i], masks[j])[0].KeptIou;
            }
            return iou;
        }
        finally { foreach (var m in masks) m.Dispose(); }
    }

    /// <summary>E9: how much a finished PARP run's final mask differs from its initial one.</summary>
    public static MaskDrift Drift(RunConfig parp, string? cacheRoot = null)
    {
        using var initial = ExperimentRunner.InitialMask(parp, cacheRoot);
        using var final = ExperimentRunner.FinalMask(parp, cacheRoot);
        var overlap = MaskAnalysis.Overlap(initial, final)[0];
        long revived = MaskAnalysis.Revived(initial, final), kept = final.KeptCount();
        return new MaskDrift(parp.Label, parp.Language, parp.Sparsity, overlap.KeptIou, revived, kept, kept == 0 ? 0 : 100.0 * revived / kept);
    }

    /// <summary>E9 per layer: revived and dropped weights between a finished PARP run's initial and final masks.</summary>
    public static List<RevivedWeights> RevivedPerLayer(RunConfig parp, string? cacheRoot = null)
    {
        using var initial = ExperimentRunner.InitialMask(parp, cacheRoot);
        using var final = ExperimentRunner.FinalMask(parp, cacheRoot);
        return MaskAnalysis.RevivedPerLayer(initial, final);
    }

    /// <summary>E15: how far dense fine-tuning moved each tensor of the pool from θ0 (largest shift per element first).</summary>
    public static List<WeightShift> WeightShifts(ExperimentSetting setting, RunConfig dense, string? cacheRoot = null)
    {
        using var theta0 = ExperimentRunner.LoadTheta0(setting);
        using var fineTuned = Parp.Models.Checkpoints.HfCheckpoint.LoadCtc(ExperimentRunner.ModelFolder(dense, cacheRoot));
        return MaskAnalysis.WeightShifts(theta0, fineTuned, PoolSpec.Paper);
    }

    static OverlapPoint Point(string pair, double s, Mask a, Mask b)
    {
        var o = MaskAnalysis.Overlap(a, b)[0];
        return new OverlapPoint(pair, s, o.KeptIou, o.PrunedIou, o.KeptChance, o.PrunedChance);
    }
}
