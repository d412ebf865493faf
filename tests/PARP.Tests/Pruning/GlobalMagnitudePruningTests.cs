using Parp.Models;
using Parp.Pruning;
using static TorchSharp.torch;

namespace Parp.Tests.Pruning;

/// <summary>docs/paper.md §2.3: exactly round(s·N) pruned, one global threshold, ties by flat index in pool order.</summary>
public class GlobalMagnitudePruningTests
{
    public static TheoryData<double> Sparsities => new() { 0.0, 0.1, 0.5, 0.9, 0.99 };

    /// <summary>The oracle: the obvious sort of (|v|, flat index), pruning the first k (lib/Pruning/ReferenceSelection.cs).</summary>
    static bool[] Reference(IReadOnlyList<(string, Tensor)> tensors, long k)
    {
        long n = tensors.Sum(t => t.Item2.NumberOfElements);
        double s = (double)k / n;
        Assert.Equal(k, GlobalMagnitudePruning.PrunedCount(s, n));          // the sparsity that gives exactly k
        using var mask = ReferenceSelection.ComputeMask(tensors, s);
        return Flat(mask);
    }

    [Fact]
    public void The_reference_selection_prunes_the_k_smallest_magnitudes_ties_by_position()
    {
        using var scope = NewDisposeScope();
        var tensors = new List<(string, Tensor)> { ("x", tensor(new float[] { 3, -1, 2, 1 })), ("y", tensor(new float[] { -2, 0, 5, 1 })) };
        using var mask = ReferenceSelection.ComputeMask(tensors, 0.5);       // k = 4: 0, then the three 1s in order
        Assert.Equal(new[] { true, false, true, false, true, false, true, false }, Flat(mask));
    }

    static bool[] Flat(Mask mask) => mask.Names.SelectMany(n => mask[n].flatten().data<bool>().ToArray()).ToArray();

    static List<(string, Tensor)> RandomTensors(int seed, bool ties)
    {
        var g = new Generator((ulong)seed);
        Tensor Make(params long[] shape) => ties ? randint(-6, 7, shape, generator: g).to_type(ScalarType.Float32) : randn(shape, generator: g);
        return [("a.weight", Make(37, 11)), ("a.bias", Make(37)), ("b.weight", Make(5, 64)), ("c", Make(1000))];
    }

    [Theory, MemberData(nameof(Sparsities))]
    public void Random_tensors_get_exactly_round_s_N_zeros_equal_to_the_brute_force(double s)
    {
        using var scope = NewDisposeScope();
        foreach (bool ties in new[] { false, true })
        foreach (var strategy in new[] { SelectionStrategy.Auto, SelectionStrategy.Bucketed })
        {
            var tensors = RandomTensors(ties ? 3 : 4, ties);
            long n = tensors.Sum(t => t.Item2.NumberOfElements);
            using var mask = GlobalMagnitudePruning.ComputeMask(tensors, s, strategy: strategy);
            long k = (long)Math.Round(s * n, MidpointRounding.ToEven);
            Assert.Equal(k, mask.PrunedCount());
            Assert.Equal(Reference(tensors, k), Flat(mask));
        }
    }

    [Fact]
    public void Ties_are_broken_by_flat_index_in_pool_order_and_zeros_go_first()
    {
        using var scope = NewDisposeScope();
        // All magnitudes equal except two zeros at the end: the zeros go first, then the earliest entries.
        var tensors = new List<(string, Tensor)> { ("x", tensor(new float[] { 1, -1, 1, 1 })), ("y", tensor(new float[] { 1, 0, -0f, 1 })) };
        using var mask = GlobalMagnitudePruning.ComputeMask(tensors, 0.5);       // k = 4
        Assert.Equal(new[] { false, false, true, true, true, false, false, true }, Flat(mask));
        using var bucketed = GlobalMagnitudePruning.ComputeMask(tensors, 0.5, strategy: SelectionStrategy.Bucketed);
        Assert.Equal(Flat(mask), Flat(bucketed));
        // The same call gives the same mask (no dependence on a sort's unspecified order).
        using var again = GlobalMagnitudePruning.ComputeMask(tensors, 0.5);
        Assert.Equal(Flat(mask), Flat(again));
    }

    [Fact]
    public void A_larger_pool_with_heavy_ties_matches_the_brute_force_with_both_strategies()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(17);
        // 300k values on a coarse grid (many ties at every threshold), some exact zeros: the sample bracket is exercised.
        var tensors = new List<(string, Tensor)>
        {
            ("w1", (randn(300, 500, generator: g) * 20).round() / 20), ("b1", zeros(500)), ("w2", (randn(1000, 150, generator: g) * 20).round() / 20),
        };
        long n = tensors.Sum(t => t.Item2.NumberOfElements);
        foreach (var s in new[] { 0.1, 0.5, 0.99 })
        {
            long k = GlobalMagnitudePruning.PrunedCount(s, n);
            var expected = Reference(tensors, k);
            using var auto = GlobalMagnitudePruning.ComputeMask(tensors, s);
            using var bucketed = GlobalMagnitudePruning.ComputeMask(tensors, s, strategy: SelectionStrategy.Bucketed);
            Assert.Equal(expected, Flat(auto));
            Assert.Equal(expected, Flat(bucketed));
        }
    }

    [Theory]
    [InlineData(1_000L, 3)]        // a, b together; c alone (larger than a chunk); d alone
    [InlineData(200_000L, 1)]      // one chunk holding every tensor
    [InlineData(151_000L, 2)]      // a, b, c; then d
    public void Chunked_scoring_as_on_a_GPU_gives_the_same_masks(long chunkElements, int chunks)
    {
        using var scope = NewDisposeScope();
        var g = new Generator(29);
        // Continuous values (one value at T), a fine grid (ties at T inside the sample bracket, split between pruned and
        // kept), a coarse grid with zeros (ties at the bracket's edges), and entries already pruned.
        var continuous = new List<(string Name, Tensor Values)> { ("a", randn(20, 30, generator: g)), ("b", randn(30, generator: g)), ("c", randn(300, 500, generator: g)), ("d", randn(700, generator: g)) };
        var fine = continuous.Select(t => (Name: t.Name, Values: (t.Values * 2000).round() / 2000)).ToList();
        var coarse = continuous.Select(t => (Name: t.Name, Values: (t.Values * 4).round() / 4)).ToList();
        var pruned = continuous.Select(t => rand(t.Values.shape, generator: g) < 0.3).ToList();
        long n = continuous.Sum(t => t.Values.NumberOfElements);
        Assert.Equal(chunks, new SmallestSelection.ScoredTensors(continuous, null, chunkElements).Chunks.Count);
        Assert.Equal(4, new SmallestSelection.ScoredTensors(continuous, null, 0).Chunks.Count);
        foreach (var tensors in new[] { continuous, fine, coarse })
        foreach (var strategy in new[] { SelectionStrategy.Auto, SelectionStrategy.Bucketed })
        foreach (var s in new[] { 0.1, 0.5, 0.99 })
        {
            long k = GlobalMagnitudePruning.PrunedCount(s, n);
            var byTensor = SmallestSelection.KeepAllButSmallest(tensors, k, null, strategy, chunkElements: 0);
            var chunked = SmallestSelection.KeepAllButSmallest(tensors, k, null, strategy, chunkElements);
            Assert.Equal(Reference(tensors, k), chunked.SelectMany(t => t.flatten().data<bool>().ToArray()).ToArray());
            Assert.Equal(byTensor.SelectMany(t => t.flatten().data<bool>().ToArray()), chunked.SelectMany(t => t.flatten().data<bool>().ToArray()));
            for (int i = 0; i < tensors.Count; i++) Assert.Equal(tensors[i].Values.shape, chunked[i].shape);
            // With entries already pruned (IMP's repeated pruning): they go first and count towards k.
            long already = pruned.Sum(p => p.sum().item<long>()), kk = already + (long)((n - already) * s);
            var a = SmallestSelection.KeepAllButSmallest(tensors, kk, pruned, strategy, chunkElements: 0);
            var b = SmallestSelection.KeepAllButSmallest(tensors, kk, pruned, strategy, chunkElements);
            Assert.Equal(a.SelectMany(t => t.flatten().data<bool>().ToArray()), b.SelectMany(t => t.flatten().data<bool>().ToArray()));
            for (int i = 0; i < tensors.Count; i++) Assert.False(b[i].logical_and(pruned[i]).any().item<bool>());
        }
    }

    [Fact]
    public void A_pool_larger_than_the_sample_matches_a_stable_sort_with_and_without_chunks()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(41);
        // 1.3 M values (more than the 2^20 sampled): rows of different scales, a grid with tie masses, exact zeros.
        var rowScale = (arange(1000) % 7 + 1).to_type(ScalarType.Float32).unsqueeze(1);
        var tensors = new List<(string Name, Tensor Values)>
        {
            ("w1", randn(1000, 1000, generator: g) * rowScale), ("b1", zeros(1000)), ("w2", (randn(600, 500, generator: g) * 50).round() / 50),
        };
        long n = tensors.Sum(t => t.Values.NumberOfElements);
        Assert.True(n > 1 << 20);
        var order = cat(tensors.Select(t => t.Values.abs().flatten()).ToList()).sort(stable: true).Indices;
        foreach (var s in new[] { 0.1, 0.5, 0.97 })
        {
            long k = GlobalMagnitudePruning.PrunedCount(s, n);
            var expected = ones(n, ScalarType.Bool).index_fill_(0, order[..(int)k], false).data<bool>().ToArray();
            foreach (var chunk in new[] { 0L, 1L << 19 })
            {
                var kept = SmallestSelection.KeepAllButSmallest(tensors, k, chunkElements: chunk);
                Assert.Equal(expected, kept.SelectMany(t => t.flatten().data<bool>().ToArray()).ToArray());
            }
        }
    }

    [Fact]
    public void The_sample_takes_distinct_positions_and_follows_the_values_across_row_scales()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(43);
        // Every row scaled by 1..7 in turn: a sample that aliased with the row length would see a few scales only.
        var w = randn(768, 3072, generator: g) * (arange(768) % 7 + 1).to_type(ScalarType.Float32).unsqueeze(1);
        var pool = new SmallestSelection.ScoredTensors([("w", w)], null, 0);
        var sample = pool.SampledScores(0, 1 << 16);
        Assert.Equal(1 << 16, sample.NumberOfElements);
        var all = w.abs().flatten().sort().Values;
        var sorted = sample.sort().Values;
        foreach (var q in new[] { 0.1, 0.5, 0.9 })
        {
            float truth = all[(long)(q * all.NumberOfElements)].item<float>(), estimate = sorted[(long)(q * sorted.NumberOfElements)].item<float>();
            Assert.True(Math.Abs(estimate - truth) < 0.02 * truth + 1e-3, $"quantile {q}: sample {estimate}, all values {truth}");
        }
        var positions = arange(1 << 16, ScalarType.Int64).mul(SmallestSelection.ScoredTensors.WeylStride(w.NumberOfElements)).remainder(w.NumberOfElements);
        Assert.Equal(1 << 16, positions.unique().output.NumberOfElements);
    }

    [Fact]
    public void Pruning_one_value_or_every_value_is_exact_on_both_paths()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(47);
        var small = RandomTensors(5, ties: false);
        var large = new List<(string, Tensor)> { ("w", randn(1100, 1000, generator: g)), ("b", randn(1000, generator: g)) };   // sampled
        foreach (var tensors in new[] { small, large })
        {
            long n = tensors.Sum(t => t.Item2.NumberOfElements);
            var order = cat(tensors.Select(t => t.Item2.abs().flatten()).ToList()).sort(stable: true).Indices;
            foreach (long k in new[] { 1L, n - 1, n })
            foreach (long chunk in new[] { 0L, long.MaxValue })
            {
                var expected = ones(n, ScalarType.Bool).index_fill_(0, order[..(int)k], false).data<bool>().ToArray();
                var kept = SmallestSelection.KeepAllButSmallest(tensors, k, chunkElements: chunk);
                Assert.Equal(expected, kept.SelectMany(t => t.flatten().data<bool>().ToArray()).ToArray());
            }
        }
    }

    [Fact]
    public void Rounding_is_half_to_even_in_double_as_python_round()
    {
        Assert.Equal(25_505_280, GlobalMagnitudePruning.PrunedCount(0.3, 85_017_600));
        Assert.Equal(2, GlobalMagnitudePruning.PrunedCount(0.5, 5));     // 2.5 -> 2
        Assert.Equal(4, GlobalMagnitudePruning.PrunedCount(0.5, 7) + 0); // 3.5 -> 4
        Assert.Equal(0, GlobalMagnitudePruning.PrunedCount(0.0, 1000));
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.0)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void Sparsity_outside_zero_one_is_a_clear_error(double s)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => GlobalMagnitudePruning.PrunedCount(s, 10));
        Assert.Contains("must be in [0, 1)", e.Message);
    }

    [Fact]
    public void NaN_in_the_pool_is_an_error_naming_the_tensor()
    {
        using var scope = NewDisposeScope();
        var tensors = new List<(string, Tensor)> { ("ok", ones(4)), ("bad", tensor(new[] { 1f, float.NaN })) };
        var e = Assert.Throws<PruningException>(() => GlobalMagnitudePruning.ComputeMask(tensors, 0.5));
        Assert.Contains("'bad' contains NaN", e.Message);
    }

    [Theory, MemberData(nameof(Sparsities))]
    public void Smoke_model_pool_is_pruned_in_place_to_exactly_round_s_N_zeros(double s)
    {
        using var scope = NewDisposeScope();
        var model = new Wav2Vec2ForCtc(Wav2Vec2Presets.Smoke);
        var pool = PrunablePool.Of(model);
        PruningTestModels.Randomize(pool, seed: 5);       // fresh biases are exact zeros: give every entry a value
        using var mask = GlobalMagnitudePruning.Prune(pool, s);
        long k = GlobalMagnitudePruning.PrunedCount(s, pool.Count);
        Assert.Equal(k, pool.ZeroCount());
        Assert.Equal(k, mask.PrunedCount());
        Assert.Equal((double)k / pool.Count, pool.MeasuredSparsity());
    }

    [Fact]
    public void Large_values_infinities_and_subnormals_order_correctly()
    {
        using var scope = NewDisposeScope();
        var values = tensor(new[] { float.PositiveInfinity, 1e-45f, -3e38f, 1e-40f, 0f, 2f, float.NegativeInfinity, 1e-30f });
        var tensors = new List<(string, Tensor)> { ("v", values) };
        foreach (var strategy in new[] { SelectionStrategy.Auto, SelectionStrategy.Bucketed })
        {
            using var mask = GlobalMagnitudePruning.ComputeMask(tensors, 0.5, strategy: strategy);   // prunes 0, 1e-45, 1e-40, 1e-30
            Assert.Equal(new[] { true, false, true, false, false, true, true, false }, Flat(mask));
        }
    }
}

/// <summary>PyTorch's repeated global pruning, which IMP relies on (docs/paper.md §2.3).</summary>
public class RepeatedPruningTests
{
    [Fact]
    public void Pruning_a_fraction_of_survivors_keeps_earlier_pruning_and_ranks_survivors_by_magnitude()
    {
        using var scope = NewDisposeScope();
        var model = PruningTestModels.Smoke();
        var pool = PrunablePool.Of(model, PoolSpec.Custom("one bias", @"layers\.0\.attention\.q_proj\.bias$"));
        const string name = "wav2vec2.encoder.layers.0.attention.q_proj.bias";
        var values = arange(96, dtype: ScalarType.Float32) + 1;     // 1 .. 96
        values[5] = tensor(0f);                                       // a survivor that is exactly zero
        using (no_grad()) pool.Entries[0].Parameter.copy_(values);
        var keptNow = ones(96, ScalarType.Bool);
        keptNow[0] = tensor(false);                                   // pruned before although |1| is small...
        keptNow[50] = tensor(false);                                  // ...and although |51| is large
        using var current = new Mask([KeyValuePair.Create(name, keptNow)], new MaskInfo("imp", 0.02));
        using var next = GlobalMagnitudePruning.PruneFractionOfSurvivors(pool, current, 0.5, new MaskInfo("imp", 0.5));
        // 94 survivors, round(0.5 · 94) = 47 more: the zero and the 46 smallest non-zero survivors (2 .. 47).
        Assert.Equal(2 + 47, next.PrunedCount());
        var kept = next[name].data<bool>().ToArray();
        Assert.False(kept[0]);
        Assert.False(kept[50]);
        Assert.False(kept[5]);
        Assert.All(Enumerable.Range(1, 47).Where(i => i != 5), i => Assert.False(kept[i]));
        Assert.True(kept[48]);
        Assert.True(kept[95]);
    }
}
