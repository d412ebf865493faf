using System.Diagnostics;

namespace Parp.Pruning;

/// <summary>
/// One fine-tuning run as measured: which method it belongs to and which target sparsities it serves.
/// A shared run serves a range: OMP's dense run serves every sparsity [0, 1]; IMP round k (reaching s_k) serves every
/// sparsity from s_k up, since later masks descend from it; a final fixed-mask fine-tune serves just its s.
/// </summary>
public sealed record RunCost(string Method, string Purpose, double ServesFrom, double ServesTo, long Updates, double Seconds)
{
    public bool Serves(double sparsity) => sparsity >= ServesFrom - 1e-9 && sparsity <= ServesTo + 1e-9;
}

/// <summary>The cost of one method at one sparsity: every run it needs, with updates and measured wall time.</summary>
public sealed record MethodCost(string Method, double Sparsity, int FineTuningRuns, long Updates, double Seconds);

/// <summary>Collects measured runs and attributes them to (method, sparsity) for the cost figure (docs/paper.md §10, E14).</summary>
public sealed class CostLedger
{
    readonly List<RunCost> runs = [];
    public IReadOnlyList<RunCost> Runs => runs;

    public void Add(RunCost run)
    {
        if (run.ServesFrom > run.ServesTo) throw new ArgumentException($"run '{run.Purpose}' serves the empty range [{run.ServesFrom}, {run.ServesTo}]");
        if (run.Updates < 0 || run.Seconds < 0) throw new ArgumentException($"run '{run.Purpose}' has negative updates or time");
        runs.Add(run);
    }

    /// <summary>Runs <paramref name="fineTune"/>, timing it, and records it as serving [from, to].</summary>
    public void Measure(string method, string purpose, double from, double to, long updates, Action fineTune)
    {
        var clock = Stopwatch.StartNew();
        fineTune();
        Add(new RunCost(method, purpose, from, to, updates, clock.Elapsed.TotalSeconds));
    }

    /// <summary>The cost of <paramref name="method"/> at <paramref name="sparsity"/>: all its runs that serve it.</summary>
    public MethodCost CostOf(string method, double sparsity)
    {
        var mine = runs.Where(r => r.Method == method && r.Serves(sparsity)).ToList();
        return new MethodCost(method, sparsity, mine.Count, mine.Sum(r => r.Updates), mine.Sum(r => r.Seconds));
    }

    /// <summary>The cost of every method at every sparsity it has a run for (shared runs counted in each).</summary>
    public List<MethodCost> Summary(IEnumerable<double> sparsities) =>
        runs.Select(r => r.Method).Distinct().SelectMany(m => sparsities.Select(s => CostOf(m, s)))
            .Where(c => c.FineTuningRuns > 0).ToList();
}
