using Parp.Pruning;
using Parp.Training;

namespace Parp.Tests.Pruning;

/// <summary>A trainer's result recorded as a cost entry (docs/paper.md §10).</summary>
public class TrainingCostTests
{
    [Fact]
    public void A_finished_run_is_recorded_with_the_trainers_updates_and_time()
    {
        var ledger = new CostLedger();
        var cost = ledger.Record("parp", "fine-tune at 50%", 0.5, 0.5, new TrainingResult(1200, true, 3, 600, 42.5));
        Assert.Equal(new RunCost("parp", "fine-tune at 50%", 0.5, 0.5, 1200, 42.5), cost);
        Assert.Equal(new MethodCost("parp", 0.5, 1, 1200, 42.5), ledger.CostOf("parp", 0.5));
    }

    [Fact]
    public void A_stopped_run_is_refused_so_a_partial_cost_is_not_counted_as_a_whole_run()
    {
        var ledger = new CostLedger();
        var e = Assert.Throws<ArgumentException>(() => ledger.Record("imp", "round 1", 0.1, 1, new TrainingResult(5, false, 0, 10, 3)));
        Assert.Contains("stopped at update 5", e.Message);
        Assert.Empty(ledger.Runs);
    }
}
