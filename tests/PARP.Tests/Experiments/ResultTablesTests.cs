using Parp.Experiments;
using Parp.Tests.Support;

namespace Parp.Tests.Experiments;

/// <summary>The tables the notebooks show: the plan, the comparison with the full model, a matrix.</summary>
public class ResultTablesTests
{
    static RunResult Result(string method, double s, double rate, string language = "en", double? cer = null) =>
        new(method, method, s, language, language, method + s, rate, "WER", cer, s, 10, 1.5, false);

    [Fact]
    public void The_comparison_with_the_full_model_subtracts_the_full_model_of_the_same_language()
    {
        var results = new[]
        {
            Result("dense", 0, 50, cer: 20), Result("parp", 0.5, 40, cer: 15), Result("parp", 0.9, 70, cer: 30),
            Result("mpi", 0.5, 45), Result("dense", 0, 30, "es"), Result("parp", 0.5, 35, "es"),
        };
        var frame = ResultTables.AgainstFullModel(results, "parp");
        Assert.Equal(3, frame.Rows.Count);
        Assert.Equal(new object[] { "en", "en", "es" }, frame.Columns["language"].Cast<object>());
        Assert.Equal(new object[] { -10.0, 20.0, 5.0 }, frame.Columns["difference"].Cast<object>());
        Assert.Equal(new object?[] { -5.0, 10.0, null }, frame.Columns["difference_cer"].Cast<object?>());
    }

    [Fact]
    public void The_seed_spread_groups_runs_by_everything_but_the_seed()
    {
        var setting = ExperimentSetting.English("smoke");
        var longer = setting with { FixedRecipe = setting.FixedRecipe with { MaxUpdates = 9 } };
        int[] seeds = [2337, 1, 2];
        var runs = seeds.SelectMany(s => new[] { setting.WithSeed(s).Dense(), setting.WithSeed(s).Omp(0.5), longer.WithSeed(s).Dense() }).ToList();
        // CER 40, 42, 44 for the dense runs; OMP's scored in WER only; the longer runs 10 lower; seed 2's OMP has no result.
        var results = runs.Where(r => !(r.Method.Name == "omp" && r.Recipe.Seed == 2)).Select(r =>
        {
            double cer = 40 + 2 * Array.IndexOf(seeds, r.Recipe.Seed) - (r.Recipe.MaxUpdates == 9 ? 10 : 0);
            return r.Method.Name == "omp"
                ? new RunResult("omp", r.Label, 0.5, "en", "en", r.Key, 60 + r.Recipe.Seed % 3, "WER", null, 0.5, 6, 1, false)
                : new RunResult("dense", r.Label, 0, "en", "en", r.Key, 99, "WER", cer, 0, r.Recipe.MaxUpdates, 1, false);
        }).ToList();
        var spreads = ResultTables.SeedSpread(runs, results);
        Assert.Equal(3, spreads.Count);
        var dense = spreads.Single(s => s.Label == "dense" && s.Updates == 6);
        Assert.Equal("CER", dense.Metric);
        Assert.Equal([2337, 1, 2], dense.PerSeed.Select(p => p.Seed));
        Assert.Equal(42, dense.Mean, 9);
        Assert.Equal(2, dense.StandardDeviation, 9);
        Assert.Equal(32, spreads.Single(s => s.Updates == 9).Mean, 9);
        var omp = spreads.Single(s => s.Label.StartsWith("omp"));
        Assert.Equal("WER", omp.Metric);
        Assert.Equal(2, omp.PerSeed.Count);
        Assert.Equal(3, ResultTables.ToDataFrame(spreads).Rows.Count);
    }

    [Fact]
    public void A_saved_table_has_short_exact_numbers_and_quotes_what_needs_it()
    {
        using var dir = new TempDir();
        var frame = new Microsoft.Data.Analysis.DataFrame(
            new Microsoft.Data.Analysis.StringDataFrameColumn("comparison", ["PARP − MPI, s=0.7", "plain"]),
            new Microsoft.Data.Analysis.DoubleDataFrameColumn("mean", [Math.Round(42.009999, 2), null]));
        var path = Parp.Plots.ExperimentOutputs.SaveTable(dir.Path, "paired", frame);
        Assert.Equal(["comparison,mean", "\"PARP − MPI, s=0.7\",42.01", "plain,"], File.ReadAllLines(path));
    }

    [Fact]
    public void The_plan_lists_every_run_with_its_key_and_a_matrix_keeps_its_shape()
    {
        var setting = ExperimentSetting.English("smoke");
        var runs = new[] { setting.Dense(), setting.Omp(0.5), setting.Parp(0.5, interval: 3) };
        var plan = ResultTables.Plan(runs, cacheRoot: Path.Combine(Path.GetTempPath(), "no-such-cache-" + Guid.NewGuid()));
        Assert.Equal(runs.Select(r => (object)r.Key), plan.Columns["key"].Cast<object>());
        Assert.Equal(new object?[] { null, null, 3 }, plan.Columns["interval"].Cast<object?>());
        Assert.All(plan.Columns["cached"].Cast<object>(), c => Assert.Equal(false, c));
        Assert.StartsWith("en dense ", (string)plan.Columns["mask_from"][1]);

        var matrix = ResultTables.Matrix(["a", "b"], ["a", "b"], [[1, 0.25], [0.25, 1]]);
        Assert.Equal(2, matrix.Rows.Count);
        Assert.Equal(3, matrix.Columns.Count);
        Assert.Equal(0.25, matrix.Columns["b"][0]);
    }
}
