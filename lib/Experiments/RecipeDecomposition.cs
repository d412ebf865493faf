using Microsoft.Data.Analysis;

namespace Parp.Experiments;

/// <summary>The five runs of one seed in the decomposition: the full model and MPI under each recipe style, and PARP
/// (the same run under both).</summary>
public sealed record DecompositionRuns(int Seed, RunConfig FullPaper, RunConfig FullSymmetric, RunConfig MpiPaper, RunConfig MpiSymmetric, RunConfig Parp)
{
    public IEnumerable<RunConfig> All => [FullPaper, FullSymmetric, MpiPaper, MpiSymmetric, Parp];
}

/// <summary>
/// How much of PARP's advantage over fixed-mask pruning the paper's recipe explains and how much the re-prune mechanism
/// does (docs/paper.md §13.9 leaves it open). The paper's dense and fixed-mask runs freeze the Transformer body for 5/6
/// of their updates while PARP trains it from the start: Δ_recipe = MPI under the paper's recipe − MPI under one
/// schedule for all, and Δ_mechanism = PARP − MPI under the same recipe, each over seeds with a paired interval.
/// Error rates are CER where the track has one (letters), else its metric.
/// </summary>
public static class RecipeDecomposition
{
    /// <summary>The runs of each seed at <paramref name="sparsity"/>, from a setting of any seed and style.</summary>
    public static List<DecompositionRuns> Plan(ExperimentSetting setting, IEnumerable<int> seeds, double sparsity) => seeds.Distinct().Select(seed =>
    {
        var paper = setting.WithSeed(seed).WithRecipeStyle("paper");
        var symmetric = setting.WithSeed(seed).WithRecipeStyle("symmetric");
        return new DecompositionRuns(seed, paper.Dense(), symmetric.Dense(), paper.Mpi(sparsity), symmetric.Mpi(sparsity), symmetric.Parp(sparsity));
    }).ToList();

    /// <summary>Every run of the plan once (PARP's run is shared by both styles).</summary>
    public static List<RunConfig> Runs(IEnumerable<DecompositionRuns> plan) => plan.SelectMany(p => p.All).DistinctBy(r => r.Key).ToList();

    /// <summary>The comparisons, from the results of <see cref="Runs"/> (matched by run key; seeds with a missing run
    /// are left out; empty when nothing was measured).</summary>
    public static List<PairedComparison> Compare(IReadOnlyList<DecompositionRuns> plan, IEnumerable<RunResult> results)
    {
        var error = PairedComparisons.ErrorByKey(results);
        var complete = plan.Where(p => p.All.All(r => error.ContainsKey(r.Key))).ToList();
        PairedComparison? Row(string name, string measures, Func<DecompositionRuns, RunConfig> a, Func<DecompositionRuns, RunConfig> b) =>
            PairedComparisons.Of(name, measures, complete.Select(p => (p.Seed, a(p), b(p))), error);
        return new[]
        {
            Row("Δ_recipe: MPI paper − MPI symmetric", "what the paper's frozen start costs a fixed mask", p => p.MpiPaper, p => p.MpiSymmetric),
            Row("Δ_recipe: full paper − full symmetric", "the same for the full model", p => p.FullPaper, p => p.FullSymmetric),
            Row("Δ_mechanism: PARP − MPI symmetric", "re-pruning alone, one schedule for all", p => p.Parp, p => p.MpiSymmetric),
            Row("PARP − MPI paper", "the paper's comparison: mechanism and recipe together", p => p.Parp, p => p.MpiPaper),
            Row("PARP − full paper", "the paper's PARP against its full model", p => p.Parp, p => p.FullPaper),
            Row("PARP − full symmetric", "PARP against the full model on one schedule", p => p.Parp, p => p.FullSymmetric),
        }.OfType<PairedComparison>().ToList();
    }

    /// <summary>Each run's error rate, one row per seed and one column per run of the decomposition.</summary>
    public static DataFrame RunTable(IReadOnlyList<DecompositionRuns> plan, IEnumerable<RunResult> results)
    {
        var error = PairedComparisons.ErrorByKey(results);
        double Of(RunConfig run) => error.TryGetValue(run.Key, out var e) ? Math.Round(e, 2) : double.NaN;
        return new DataFrame(
            new Int32DataFrameColumn("seed", plan.Select(p => p.Seed)),
            new DoubleDataFrameColumn("full (paper)", plan.Select(p => Of(p.FullPaper))),
            new DoubleDataFrameColumn("full (symmetric)", plan.Select(p => Of(p.FullSymmetric))),
            new DoubleDataFrameColumn("MPI (paper)", plan.Select(p => Of(p.MpiPaper))),
            new DoubleDataFrameColumn("MPI (symmetric)", plan.Select(p => Of(p.MpiSymmetric))),
            new DoubleDataFrameColumn("PARP", plan.Select(p => Of(p.Parp))));
    }
}
