using System.Globalization;
using Parp.Experiments;
using Parp.Runtime;
using static TorchSharp.torch;

/// <summary>
/// How long the dense runs must be: the full model of the English track (CER) and of the phone track (Spanish, PER)
/// at the tiny recipe with several update budgets, over several seeds, trained by the experiment runner into its cache
/// (resumable; runs already there are read back). It prints each run's error rate and, per track and budget, the mean,
/// the seed-to-seed standard deviation and the training time: a budget is long enough when every seed leaves CTC's
/// all-blank phase and the spread is small. `--batch` and `--lr-scale` try cheaper ways to leave it.
/// </summary>
static class BudgetStudy
{
    public static void Run(Device device, string scale, IReadOnlyList<string> tracks, IReadOnlyList<int> budgets, IReadOnlyList<int> seeds, bool mixed,
        int? batch = null, double learningRateScale = 1)
    {
        Console.WriteLine($"processor: {Processor.Description}, {Environment.ProcessorCount} cores; scale {scale}, {(mixed ? "mixed bf16" : "float32")}, " +
            $"budgets {string.Join(", ", budgets)} updates, seeds {string.Join(", ", seeds)}" +
            (batch is null ? "" : $", batch {batch}") + (learningRateScale == 1 ? "" : $", learning rate × {learningRateScale}"));
        var runs = new List<(string Track, int Updates, int Seed, RunConfig Run)>();
        foreach (var updates in budgets)
            foreach (var seed in seeds)
                foreach (var track in tracks)
                {
                    var setting = (track switch
                    {
                        "en" => ExperimentSetting.English(scale),
                        "es" => ExperimentSetting.Multilingual(scale, "es"),
                        _ => throw new ArgumentException($"--tracks: '{track}' is not en or es"),
                    }).WithSeed(seed).WithMixedBf16(mixed);
                    var recipe = setting.FixedRecipe with { MaxUpdates = updates, LearningRate = setting.FixedRecipe.LearningRate * learningRateScale };
                    if (batch is int b) recipe = recipe with { MaxBatchSize = b };
                    setting = setting with { FixedRecipe = recipe };
                    runs.Add((track, updates, seed, setting.Dense()));
                }
        var lines = new ThrottledProgress<string>(Console.Error.WriteLine, TimeSpan.FromSeconds(30));
        var results = ExperimentRunner.Run(runs.Select(r => r.Run).ToList(), device,
            progress: new SynchronousProgress<ExperimentProgress>(p => { if (!p.Finished) lines.Report(p.ToString()); }));
        lines.Flush();
        var spreads = ResultTables.SeedSpread(runs.Select(r => r.Run).ToList(), results);
        var seconds = runs.Zip(results, (r, result) => (r.Run.Language, r.Updates, result.TrainSeconds)).ToList();   // per track and budget
        Console.WriteLine("\n| track | updates | metric | " + string.Join(" | ", seeds.Select(s => $"seed {s}")) + " | mean | sd | training s per run |");
        Console.WriteLine("| --- | --- | --- | " + string.Join(" | ", seeds.Select(_ => "---")) + " | --- | --- | --- |");
        foreach (var spread in spreads)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {spread.Language} | {spread.Updates} | {spread.Metric} | {string.Join(" | ", spread.PerSeed.Select(p => p.Error.ToString("F2", CultureInfo.InvariantCulture)))} | {spread.Mean:F2} | {spread.StandardDeviation:F2} | {seconds.Where(x => x.Language == spread.Language && x.Updates == spread.Updates).Average(x => x.TrainSeconds):F0} |"));
    }
}
