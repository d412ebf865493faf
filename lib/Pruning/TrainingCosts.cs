using Parp.Training;

namespace Parp.Pruning;

/// <summary>Cost entries from real trainer runs (docs/paper.md §10): the trainer's own update count and wall time.</summary>
public static class TrainingCosts
{
    /// <summary>
    /// Records a finished <see cref="FineTuning.Run"/> as serving [<paramref name="from"/>, <paramref name="to"/>].
    /// The time is the trainer's <see cref="TrainingResult.ElapsedSeconds"/>, which a resumed run carries over from its
    /// checkpoint, so a run stopped and continued costs what it trained, not just its last piece (nor model loading).
    /// </summary>
    public static RunCost Record(this CostLedger ledger, string method, string purpose, double from, double to, TrainingResult result)
    {
        if (!result.Completed)
            throw new ArgumentException($"run '{purpose}' stopped at update {result.Updates}: record a run's cost once it has finished", nameof(result));
        var cost = new RunCost(method, purpose, from, to, result.Updates, result.ElapsedSeconds);
        ledger.Add(cost);
        return cost;
    }
}
