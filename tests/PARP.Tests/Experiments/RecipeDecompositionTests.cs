using Parp.Experiments;

namespace Parp.Tests.Experiments;

public class RecipeDecompositionTests
{
    [Fact]
    public void The_paper_style_freezes_the_fixed_runs_body_for_five_sixths_and_leaves_parp_alone()
    {
        var tiny = ExperimentSetting.English("tiny");
        Assert.Equal("symmetric", tiny.RecipeStyle);
        Assert.Same(tiny, tiny.WithRecipeStyle("symmetric"));
        var paper = tiny.WithRecipeStyle("paper");
        Assert.Equal(833, paper.FixedRecipe.FreezeFinetuneUpdates);          // 1,000 updates × 10,000 / 12,000
        Assert.Equal(0, paper.ParpRecipe.FreezeFinetuneUpdates);
        Assert.Equal(tiny.Parp(0.5).Key, paper.Parp(0.5).Key);               // PARP is one run under both styles
        Assert.NotEqual(tiny.Mpi(0.5).Key, paper.Mpi(0.5).Key);
        Assert.NotEqual(tiny.Dense().Key, paper.Dense().Key);

        // At paper scale the presets are the paper's; symmetric puts every method on PARP's schedule.
        var base10min = ExperimentSetting.English("paper");
        Assert.Same(base10min, base10min.WithRecipeStyle("paper"));
        Assert.Equal(10_000, base10min.FixedRecipe.FreezeFinetuneUpdates);
        var symmetric = base10min.WithRecipeStyle("symmetric");
        Assert.Equal(0, symmetric.FixedRecipe.FreezeFinetuneUpdates);
        Assert.Equal(base10min.ParpRecipe.MaxUpdates, symmetric.FixedRecipe.MaxUpdates);
        Assert.Throws<ArgumentException>(() => tiny.WithRecipeStyle("fast"));
    }

    [Fact]
    public void Paired_comparisons_default_to_three_seeds_on_the_cpu_scales_and_one_at_paper()
    {
        Assert.Equal([2337, 1, 2], ExperimentSetting.English("tiny").PairedSeeds);
        Assert.Equal([1, 2, 3], ExperimentSetting.Multilingual("smoke").WithSeed(1).PairedSeeds);   // the setting's seed first, no repeat
        Assert.Equal([2337], ExperimentSetting.English("paper").PairedSeeds);
    }

    [Fact]
    public void The_comparisons_pair_each_seeds_runs()
    {
        var plan = RecipeDecomposition.Plan(ExperimentSetting.English("tiny"), [2337, 1], 0.5);
        Assert.Equal(2, plan.Count);
        Assert.Equal(1, plan[1].MpiSymmetric.Recipe.Seed);
        Assert.Equal(10, RecipeDecomposition.Runs(plan).Count);
        // Made-up error rates: the paper's recipe costs MPI 10 (seed 2337) and 12 (seed 1); PARP is 1 below MPI symmetric.
        var error = new Dictionary<string, double>();
        foreach (var p in plan)
        {
            double shift = p.Seed == 1 ? 2 : 0;
            error[p.FullSymmetric.Key] = 50; error[p.FullPaper.Key] = 60;
            error[p.MpiSymmetric.Key] = 55; error[p.MpiPaper.Key] = 65 + shift; error[p.Parp.Key] = 54;
        }
        var results = error.Select(kv => new RunResult("m", "m", 0.5, "en", "en", kv.Key, 99, "WER", kv.Value, 0.5, 300, 1, false)).ToList();
        var comparisons = RecipeDecomposition.Compare(plan, results);
        var recipe = comparisons.Single(c => c.Comparison.StartsWith("Δ_recipe: MPI"));
        Assert.Equal([(2337, 10.0), (1, 12.0)], recipe.PerSeed);
        Assert.Equal(11, recipe.Difference.Mean, 9);
        var mechanism = comparisons.Single(c => c.Comparison.StartsWith("Δ_mechanism"));
        Assert.Equal(-1, mechanism.Difference.Mean, 9);
        Assert.Equal(6, PairedComparisons.ToDataFrame(comparisons).Rows.Count);
        Assert.Empty(RecipeDecomposition.Compare(plan, []));                 // nothing measured yet (a dry run)
    }
}

public class PremiseTests
{
    [Fact]
    public void Mpi_against_random_is_paired_by_seed_at_each_sparsity_and_skips_what_is_missing()
    {
        var setting = ExperimentSetting.English("tiny");
        int[] seeds = [2337, 1, 2];
        var runs = PairedComparisons.MpiAndRandomRuns(setting, seeds, [0.5, 0.9]);
        Assert.Equal(12, runs.Count);
        // MPI 3, 4, 5 points below random at 0.5; at 0.9 only seed 2337 has both runs.
        var results = new List<RunResult>();
        void Add(RunConfig run, double cer) => results.Add(new RunResult("m", "m", run.Sparsity, "en", "en", run.Key, 99, "WER", cer, run.Sparsity, 300, 1, false));
        foreach (var (seed, gap) in new[] { (2337, 3.0), (1, 4.0), (2, 5.0) })
        {
            Add(setting.WithSeed(seed).Mpi(0.5), 50); Add(setting.WithSeed(seed).Random(0.5), 50 + gap);
        }
        Add(setting.Mpi(0.9), 60); Add(setting.Random(0.9), 58);
        var premise = PairedComparisons.MpiAgainstRandom(setting, seeds, [0.5, 0.9], results);
        Assert.Equal(2, premise.Count);
        Assert.Equal(-4, premise[0].Difference.Mean, 9);
        Assert.True(premise[0].Difference.Excludes0);                         // −4 ± 4.303 · 1/√3 = [−6.48, −1.52]
        Assert.Equal([(2337, 2.0)], premise[1].PerSeed);
        Assert.Equal("first lower", PairedComparisons.ToDataFrame(premise).Columns["reading"][0]);
    }

    [Fact]
    public void The_main_result_pairs_parp_with_each_method_and_parp_p_from_the_sparsity_below()
    {
        var setting = ExperimentSetting.English("tiny");
        Assert.Equal(10, PairedComparisons.MainResultRuns(setting, [2337, 1], 0.7, 0.5).Count);   // full, MPI, OMP, PARP, PARP-P 0.5→0.7
        Assert.Equal(8, PairedComparisons.MainResultRuns(setting, [2337, 1], 0.5, null).Count);   // no start below: no PARP-P
        var results = PairedComparisons.MainResultRuns(setting, [2337, 1, 2], 0.7, 0.5)
            .Select(r => new RunResult(r.Method.Name, r.Label, r.Sparsity, "en", "en", r.Key, 99, "WER", r.Method.Name == "parp" ? 50 : 52, r.Sparsity, 300, 1, false))
            .ToList();
        var rows = PairedComparisons.MainResult(setting, [2337, 1, 2], 0.7, 0.5, results);
        Assert.Equal(["PARP − MPI, s=0.7", "PARP − OMP, s=0.7", "PARP − full model, s=0.7", "PARP-P − PARP, s=0.5→0.7"],
            rows.Select(r => r.Comparison));
        Assert.All(rows.Take(3), r => Assert.Equal(-2, r.Difference.Mean, 9));
        Assert.Equal(2, rows[3].Difference.Mean, 9);
    }
}
