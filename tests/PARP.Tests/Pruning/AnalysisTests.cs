using Parp.Pruning;
using static TorchSharp.torch;

namespace Parp.Tests.Pruning;

/// <summary>docs/paper.md §4: IoU with chance levels, revived weights, per-layer sparsity, weight shift; §10 cost.</summary>
public class AnalysisTests
{
    static Mask Complement(Mask m) => new(m.Names.Select(n => KeyValuePair.Create(n, m[n].logical_not())), m.Info);

    [Fact]
    public void Iou_of_identical_masks_is_one_of_complementary_masks_zero_globally_and_per_layer()
    {
        using var scope = NewDisposeScope();
        var model = PruningTestModels.Smoke();
        PruningTestModels.Randomize(PrunablePool.Of(model), seed: 1);
        using var a = PruningMethods.Mpi(model, 0.5);
        using var same = a.WithInfo(a.Info);
        using var complement = Complement(a);
        var identical = MaskAnalysis.Overlap(a, same);
        Assert.Equal(new[] { "all", "layer 0", "layer 1", "layer 2" }, identical.Select(o => o.Group));
        Assert.All(identical, o => { Assert.Equal(1.0, o.KeptIou); Assert.Equal(1.0, o.PrunedIou); });
        var opposite = MaskAnalysis.Overlap(a, complement);
        Assert.All(opposite, o => { Assert.Equal(0.0, o.KeptIou); Assert.Equal(0.0, o.PrunedIou); });
        Assert.Equal(a.KeptCount(), opposite[0].KeptOnlyInA);
    }

    [Theory]
    [InlineData(0.3)]
    [InlineData(0.8)]
    public void Iou_of_independent_random_masks_is_close_to_chance(double s)
    {
        using var scope = NewDisposeScope();
        var model = PruningTestModels.Smoke();
        using var a = PruningMethods.Random(model, s, seed: 21);
        using var b = PruningMethods.Random(model, s, seed: 22);
        var o = MaskAnalysis.Overlap(a, b)[0];
        Assert.Equal((1 - s) / (1 + s), o.KeptChance, 5);                  // p/(2 − p), at the measured s = k/N
        Assert.Equal(s / (2 - s), o.PrunedChance, 5);
        Assert.InRange(o.KeptIou, o.KeptChance - 0.005, o.KeptChance + 0.005);    // N ≈ 334k: sd ≈ 0.001
        Assert.InRange(o.PrunedIou, o.PrunedChance - 0.005, o.PrunedChance + 0.005);
    }

    [Fact]
    public void Chance_levels_match_the_specs_table_and_unequal_sparsities()
    {
        Assert.Equal(0.818, MaskAnalysis.ChanceIou(0.9, 0.9), 3);
        Assert.Equal(0.053, MaskAnalysis.ChanceIou(0.1, 0.1), 3);
        Assert.Equal(0.5 * 0.2 / (0.5 + 0.2 - 0.1), MaskAnalysis.ChanceIou(0.5, 0.2), 12);
    }

    [Fact]
    public void Revived_and_dropped_weights_and_per_layer_sparsity_are_counted_per_layer()
    {
        using var scope = NewDisposeScope();
        var names = new[] { "m.layers.0.w", "m.layers.1.w", "m.head" };
        Mask Make(params bool[][] values) => new(names.Select((n, i) => KeyValuePair.Create(n, tensor(values[i]))), new MaskInfo("test", 0));
        using var before = Make([true, false, false], [false, false, true], [true]);
        using var after = Make([true, true, false], [true, false, false], [true]);
        var revived = MaskAnalysis.RevivedPerLayer(before, after);
        Assert.Equal(new RevivedWeights("all", 7, 2, 1), revived[0]);
        Assert.Equal(new RevivedWeights("layer 0", 3, 1, 0), revived[1]);
        Assert.Equal(new RevivedWeights("layer 1", 3, 1, 1), revived[2]);
        Assert.Equal(new RevivedWeights("other", 1, 0, 0), revived[3]);
        Assert.Equal((2L, 1L), MaskAnalysis.Changes(before, after));
        Assert.Equal(3, MaskAnalysis.Differing(before, after));
        // PARP's log: churn against the previous mask and revival against the initial one, in one read.
        using var initial = Make([false, false, false], [false, false, true], [true]);
        Assert.Equal((3L, 3L), MaskAnalysis.ChangedAndRevived(initial, before, after));
        Assert.Equal((MaskAnalysis.Differing(before, after), MaskAnalysis.Revived(initial, after)), MaskAnalysis.ChangedAndRevived(initial, before, after));
        var sparsity = MaskAnalysis.SparsityPerLayer(before);
        Assert.Equal(new LayerSparsity("layer 0", 3, 2, 2 / 3.0), sparsity[1]);
        Assert.Equal(4 / 7.0, sparsity[0].Sparsity);
    }

    [Fact]
    public void Weight_shift_is_the_l2_distance_per_tensor_largest_per_element_first()
    {
        using var scope = NewDisposeScope();
        var before = PruningTestModels.Smoke(seed: 1);
        // A copy, not a second model from the same seed: tests in parallel draw from the global generator too.
        var after = PruningTestModels.Smoke(seed: 2);
        after.load_state_dict(before.state_dict());
        const string moved = "wav2vec2.encoder.layers.1.feed_forward.output_dense.bias";   // 96 values
        using (no_grad()) after.named_parameters().First(p => p.name == moved).parameter.add_(0.5f);
        var shifts = MaskAnalysis.WeightShifts(before, after, PoolSpec.Paper);
        Assert.Equal(36, shifts.Count);
        Assert.Equal(moved, shifts[0].Name);
        Assert.Equal(Math.Sqrt(96) * 0.5, shifts[0].L2Distance, 5);
        Assert.Equal(Math.Sqrt(96) * 0.5 / 96, shifts[0].DistancePerElement, 7);
        Assert.All(shifts.Skip(1), s => Assert.Equal(0, s.L2Distance));
    }

    [Fact]
    public void Cost_ledger_attributes_shared_runs_to_every_sparsity_they_serve()
    {
        var ledger = new CostLedger();
        ledger.Add(new RunCost("omp", "dense", 0, 1, 1000, 10));
        ledger.Add(new RunCost("omp", "fixed 0.5", 0.5, 0.5, 1000, 12));
        ledger.Add(new RunCost("omp", "fixed 0.7", 0.7, 0.7, 1000, 13));
        ledger.Add(new RunCost("parp", "parp 0.5", 0.5, 0.5, 1000, 11));
        Assert.Equal(new MethodCost("omp", 0.5, 2, 2000, 22), ledger.CostOf("omp", 0.5));
        Assert.Equal(new MethodCost("omp", 0.7, 2, 2000, 23), ledger.CostOf("omp", 0.7));
        var summary = ledger.Summary([0.5, 0.7]);
        Assert.Equal(3, summary.Count);                                // parp has no 0.7 run
        Assert.Throws<ArgumentException>(() => ledger.Add(new RunCost("x", "bad", 0.6, 0.5, 1, 1)));
        var frame = AnalysisFrames.ToDataFrame(summary);
        Assert.Equal(3, frame.Rows.Count);
        Assert.Equal(new[] { "Method", "Sparsity", "FineTuningRuns", "Updates", "Seconds" }, frame.Columns.Select(c => c.Name));
        Assert.Equal(22.0, frame["Seconds"][0]);
    }
}
