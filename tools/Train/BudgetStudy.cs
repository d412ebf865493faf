using System.Globalization;
using Parp.Experiments;
using Parp.Runtime;
using static TorchSharp.torch;

/// <summary>
/// How long the dense runs must be: the full model of the English track (CER) and of the phone track (Spanish, PER)
/// at the tiny recipe with several update budgets, over several seeds, trained by the experiment runner into its cache
/// (resumable; runs already there are read back). It prints each run's error rate and, per track and budget, the mean,
/// the seed-to-seed standard deviation and the training time: a budget is long enough when every seed leaves CTC's
/// all-blank phase and the spread is small.
/// </summary>
static class BudgetStudy
{
    public static void Run(Device device, string scale, IReadOnlyList<string> tracks, IReadOnlyList<int> budgets, IReadOnlyList<int> seeds, bool mixed)
    {
        Console.WriteLine($"processor: {Processor.Description}, {Environment.ProcessorCount} cores; scale {scale}, {(mixed ? "mixed bf16" : "float32")}, " +
            $"budgets {string.Join(", ", budgets)} updates, seeds {string.Join(", ", seeds)}");
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
                    setting = setting with { FixedRecipe = setting.FixedRecipe with { MaxUpdates = updates } };
                    runs.Add((track, updates, seed, setting.Dense()));
                }
        var lines = new ThrottledProgress<string>(Console.Error.WriteLine, TimeSpan.FromSeconds(30));
        var results = ExperimentRunner.Run(runs.Select(r => r.Run).ToList(), device,
            progress: new SynchronousProgress<ExperimentProgress>(p => { if (!p.Finished) lines.Report(p.ToString()); }));
        lines.Flush();
        var rows = runs.Zip(results, (r, result) => (r.Track, r.Updates, r.Seed,
            Error: result.CharacterErrorRate ?? result.ErrorRate, Metric: result.CharacterErrorRate is null ? result.Metric : "CER", result.TrainSeconds)).ToList();
        Console.WriteLine("\n| track | updates | metric | " + string.Join(" | ", seeds.Select(s => $"seed {s}")) + " | mean | sd | training s per run |");
        Console.WriteLine("| --- | --- | --- | " + string.Join(" | ", seeds.Select(_ => "---")) + " | --- | --- | --- |");
        foreach (var group in rows.GroupBy(r => (r.Track, r.Updates)))
        {
            var errors = group.Select(r => r.Error).ToList();
            double mean = errors.Average();
            double sd = errors.Count > 1 ? Math.Sqrt(errors.Sum(e => (e - mean) * (e - mean)) / (errors.Count - 1)) : double.NaN;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {group.Key.Track} | {group.Key.Updates} | {group.First().Metric} | {string.Join(" | ", errors.Select(e => e.ToString("F2", CultureInfo.InvariantCulture)))} | {mean:F2} | {sd:F2} | {group.Average(r => r.TrainSeconds):F0} |"));
        }
    }
}
