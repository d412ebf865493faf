using Parp.Experiments.Methods;
using Parp.Models.Checkpoints;
using Parp.Pruning;

namespace Parp.Experiments;

/// <summary>One mask comparison at one sparsity (docs/paper.md §4), with the chance levels of independent random masks.</summary>
public sealed record OverlapPoint(string Pair, double Sparsity, double KeptIou, double PrunedIou, double KeptChance, double PrunedChance);

/// <summary>How far PARP moved its mask (E9): IoU of the initial and final masks, and revived weights.</summary>
public sealed record MaskDrift(string Label, string Language, double Sparsity, double KeptIou, long Revived, long Kept, double RevivedPercentOfKept);

/// <summary>Two masks side by side (the mask explorer): where each prunes per layer and module, their overlap per layer
/// against chance, what changed from the first to the second per module, and the magnitudes each run's model keeps.</summary>
public sealed record MaskComparison(string NameA, string NameB, List<ModuleSparsity> SparsityA, List<ModuleSparsity> SparsityB,
    List<MaskOverlap> Overlap, List<ModuleChanges> Changes, List<MagnitudeHistogram> Magnitudes)
{
    public static MaskComparison Empty(string nameA, string nameB) => new(nameA, nameB, [], [], [], [], []);
}

/// <summary>
/// The mask analyses of the paper's observations over finished runs (E7–E9, E15): masks are computed from θ0 (MPI), a
/// dense run's model (OMP), read from IMP's chain or from a run's folder (<see cref="RunFolder"/>), so nothing here
/// trains. In a dry run every analysis is empty (nothing has been measured).
/// </summary>
/// <param name="cacheRoot">The cache of runs (default: the runner's).</param>
/// <param name="dryRun">True: return empty analyses without reading anything.</param>
public sealed class MaskStudies(string? cacheRoot = null, bool dryRun = false)
{
    string Cache => cacheRoot ?? ExperimentRunner.DefaultCache;

    /// <summary>
    /// Observation 1 (E7): IoU of the task-agnostic MPI mask with the task-aware OMP mask of <paramref name="dense"/>
    /// at every sparsity, and with IMP's masks where its chain (the one <paramref name="imp"/> uses) has them.
    /// </summary>
    public List<OverlapPoint> ObservationOne(ExperimentSetting setting, RunConfig dense, IEnumerable<double> sparsities, RunConfig? imp = null)
    {
        if (dryRun) return [];
        var levels = sparsities.ToList();
        List<Mask> mpi;
        using (var theta0 = Theta0(setting)) mpi = levels.Select(s => PruningMethods.Mpi(theta0, s)).ToList();
        var omp = Omp.MasksOf(dense, levels, Cache);
        try
        {
            var points = new List<OverlapPoint>();
            for (int i = 0; i < levels.Count; i++)
            {
                double s = levels[i];
                points.Add(Point("MPI vs OMP", s, mpi[i], omp[i]));
                int round = Imp.RoundOf(s);
                if (imp is null || Math.Abs(round / 10.0 - s) > 1e-9) continue;
                using var impMask = ImpChainFolder.Of(imp, Cache).RoundMask(round);
                if (impMask is null) continue;                   // the chain did not reach this sparsity
                points.Add(Point("MPI vs IMP", s, mpi[i], impMask));
                points.Add(Point("OMP vs IMP", s, omp[i], impMask));
            }
            return points;
        }
        finally { foreach (var m in mpi.Concat(omp)) m.Dispose(); }
    }

    /// <summary>
    /// E8: kept-set IoU between the OMP masks of the languages' dense runs at <paramref name="sparsity"/>, as a matrix
    /// [i][j] in the order of <paramref name="denseRuns"/> (the diagonal is 1; all 0 in a dry run).
    /// </summary>
    public double[][] CrossLanguageIou(IReadOnlyList<RunConfig> denseRuns, double sparsity)
    {
        if (dryRun) return denseRuns.Select(_ => new double[denseRuns.Count]).ToArray();
        var masks = new List<Mask>();
        try
        {
            foreach (var run in denseRuns) masks.Add(Omp.MaskOf(run, sparsity, Cache));   // one model per language
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

    /// <summary>E9: how much each finished PARP run's final mask differs from its initial one.</summary>
    public List<MaskDrift> Drift(IEnumerable<RunConfig> parpRuns) => dryRun ? [] : parpRuns.Select(parp =>
    {
        var folder = RunFolder.Of(parp, Cache);
        using var initial = folder.LoadMask(parp, final: false);
        using var final = folder.LoadMask(parp, final: true);
        var overlap = MaskAnalysis.Overlap(initial, final)[0];
        long revived = MaskAnalysis.Revived(initial, final), kept = final.KeptCount();
        return new MaskDrift(parp.Label, parp.Language, parp.Sparsity, overlap.KeptIou, revived, kept, kept == 0 ? 0 : 100.0 * revived / kept);
    }).ToList();

    /// <summary>E9: every (re-)prune of each finished PARP run, labelled by the run's sparsity.</summary>
    public List<(string Label, IReadOnlyList<ReprunePoint> Points)> Reprunes(IEnumerable<RunConfig> parpRuns) => dryRun ? [] :
        parpRuns.Select(r => ($"s={r.Sparsity:0.##}", (IReadOnlyList<ReprunePoint>)RunFolder.Of(r, Cache).LoadParpHistory(r))).ToList();

    /// <summary>E9 per layer: revived and dropped weights between a finished PARP run's initial and final masks.</summary>
    public List<RevivedWeights> RevivedPerLayer(RunConfig parp)
    {
        if (dryRun) return [];
        var folder = RunFolder.Of(parp, Cache);
        using var initial = folder.LoadMask(parp, final: false);
        using var final = folder.LoadMask(parp, final: true);
        return MaskAnalysis.RevivedPerLayer(initial, final);
    }

    /// <summary>
    /// The mask explorer over two finished pruned runs: their final masks compared (A before B for the changes), and
    /// the magnitudes of the weights each run's fine-tuned model keeps.
    /// </summary>
    public MaskComparison Compare(RunConfig a, RunConfig b)
    {
        string nameA = Describe(a), nameB = Describe(b);
        if (dryRun) return MaskComparison.Empty(nameA, nameB);
        foreach (var run in new[] { a, b })
            if (run.Method is Dense) throw new ArgumentException($"{Describe(run)}: the full model has no mask; pick a pruned run");
        var folderA = RunFolder.Of(a, Cache); var folderB = RunFolder.Of(b, Cache);
        using var maskA = folderA.LoadMask(a, final: true);
        using var maskB = folderB.LoadMask(b, final: true);
        using var modelA = HfCheckpoint.LoadCtc(folderA.FinishedModel(a));
        using var modelB = HfCheckpoint.LoadCtc(folderB.FinishedModel(b));
        return Compare(nameA, maskA, nameB, maskB, modelA, modelB);
    }

    /// <summary>The mask explorer over any two masks of the same pool (mask files: <see cref="Mask.Load"/>); the
    /// magnitude histograms need the models whose weights the masks keep (left out when null).</summary>
    public static MaskComparison Compare(string nameA, Mask a, string nameB, Mask b, TorchSharp.torch.nn.Module? modelA = null,
        TorchSharp.torch.nn.Module? modelB = null)
    {
        var magnitudes = new List<MagnitudeHistogram>();
        if (modelA is not null) magnitudes.Add(ModuleAnalysis.KeptMagnitudes(nameA, a, modelA));
        if (modelB is not null) magnitudes.Add(ModuleAnalysis.KeptMagnitudes(nameB, b, modelB));
        return new MaskComparison(nameA, nameB, ModuleAnalysis.SparsityPerModule(a), ModuleAnalysis.SparsityPerModule(b),
            MaskAnalysis.Overlap(a, b), ModuleAnalysis.ChangesPerModule(a, b), magnitudes);
    }

    static string Describe(RunConfig run) => $"{run.Label.ToUpperInvariant()} s={run.Sparsity:0.##}";

    /// <summary>E15: how far dense fine-tuning moved each tensor of the pool from θ0 (largest relative shift first).</summary>
    public List<WeightShift> WeightShifts(ExperimentSetting setting, RunConfig dense)
    {
        if (dryRun) return [];
        using var theta0 = Theta0(setting);
        using var fineTuned = HfCheckpoint.LoadCtc(RunFolder.Of(dense, Cache).FinishedModel(dense));
        return MaskAnalysis.WeightShifts(theta0, fineTuned, PoolSpec.Paper).OrderByDescending(w => w.RelativeDistance).ToList();
    }

    // θ0 of a setting on the CPU, as a CTC model whose head size does not matter (the head is outside the pool).
    static Parp.Models.Wav2Vec2ForCtc Theta0(ExperimentSetting setting) =>
        Parp.Training.FineTuning.CreateModel(setting.Source, setting.FixedRecipe, vocabSize: 32, TorchSharp.torch.CPU);

    static OverlapPoint Point(string pair, double s, Mask a, Mask b)
    {
        var o = MaskAnalysis.Overlap(a, b)[0];
        return new OverlapPoint(pair, s, o.KeptIou, o.PrunedIou, o.KeptChance, o.PrunedChance);
    }
}
