using Parp.Experiments;

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
