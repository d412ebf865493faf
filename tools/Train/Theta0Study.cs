using System.Globalization;
using System.Text.Json.Nodes;
using Parp.Experiments;
using Parp.Runtime;
using Parp.Training;
using static TorchSharp.torch;

/// <summary>
/// What a pre-trained model is worth as θ0 at a scale's budget, over seeds, through the experiment runner's cache
/// (resumable; runs already there are read back): the English track's full model and MPI against random pruning at
/// each sparsity (does its magnitude carry information?), the full model of Spanish (in the Tiny model's pre-training
/// data) and of a language outside it (French by default: does it leave CTC's all-blank phase?). With two models it
/// pairs the second against the first, seed by seed: the test a new Tiny model must pass to become the default.
/// </summary>
static class Theta0Study
{
    public static void Run(Device device, string scale, IReadOnlyList<string> models, IReadOnlyList<int> seeds, IReadOnlyList<double> sparsities, string unseen)
    {
        Console.WriteLine($"processor: {Processor.Description}, {Environment.ProcessorCount} cores; scale {scale}, θ0 {string.Join(" and ", models)}, " +
            $"seeds {string.Join(", ", seeds)}, sparsities {string.Join(", ", sparsities.Select(F))}, unseen language {unseen}");
        var studies = models.Select(m => new Study(m, scale, unseen)).ToList();
        var runs = studies.SelectMany(s => s.Runs(seeds, sparsities)).DistinctBy(r => r.Key).ToList();
        var lines = new ThrottledProgress<string>(Console.Error.WriteLine, TimeSpan.FromSeconds(30));
        var results = ExperimentRunner.Run(runs, device,
            progress: new SynchronousProgress<ExperimentProgress>(p => { if (!p.Finished) lines.Report(p.ToString()); }));
        lines.Flush();
        var error = PairedComparisons.ErrorByKey(results);   // CER for letters, PER for phones

        foreach (var study in studies)
        {
            Console.WriteLine($"\nθ0 = {study.Model}: test error per seed (English CER, phones PER)");
            Console.WriteLine("| run | " + string.Join(" | ", seeds.Select(s => $"seed {s}")) + " | mean | sd |");
            Console.WriteLine("| --- | " + string.Join(" | ", seeds.Select(_ => "---")) + " | --- | --- |");
            foreach (var (name, run) in study.Rows(sparsities))
            {
                var spread = ResultTables.SeedSpread(seeds.Select(run).ToList(), results).Single();
                Console.WriteLine($"| {name} | {string.Join(" | ", spread.PerSeed.Select(p => F(p.Error)))} | {F(spread.Mean)} | {F(spread.StandardDeviation)} |");
            }
            foreach (var premise in PairedComparisons.MpiAgainstRandom(study.English, seeds, sparsities, results))
                Console.WriteLine($"  {premise.Comparison}: {premise.Difference}");
            var plateau = seeds.Select(s => DeletedShare(study.Unseen.WithSeed(s).Dense(), unseen)).ToList();
            Console.WriteLine($"  {unseen}: share of reference phones deleted per seed {string.Join(" / ", plateau.Select(d => F(100 * d) + " %"))}; " +
                $"left the all-blank phase (fewer than half deleted) with {plateau.Count(d => d < 0.5)} of {seeds.Count} seeds");
        }

        if (studies.Count == 2)
        {
            var (first, second) = (studies[0], studies[1]);
            Console.WriteLine($"\n{second.Model} − {first.Model}, paired over seeds (negative: the second θ0 is better):");
            foreach (var ((name, a), (_, b)) in second.Rows(sparsities).Zip(first.Rows(sparsities)))
                Console.WriteLine($"  {name}: {PairedDifference.Of(seeds.Select(s => error[a(s).Key]).ToList(), seeds.Select(s => error[b(s).Key]).ToList())}");
        }
    }

    // Greedy CTC output that is all blanks deletes every reference token; the evaluation summary counts deletions.
    static double DeletedShare(RunConfig run, string language)
    {
        var file = RunFolder.Of(run, ExperimentRunner.DefaultCache).Evaluation(language);
        var summary = JsonNode.Parse(File.ReadAllText(file)) ?? throw new IOException($"{file}: empty evaluation summary");
        double deletions = summary["deletions"]?.GetValue<double>() ?? throw new IOException($"{file}: no 'deletions'");
        double length = summary["reference_length"]?.GetValue<double>() ?? throw new IOException($"{file}: no 'reference_length'");
        return length == 0 ? 0 : deletions / length;
    }

    static string F(double value) => value.ToString("0.00", CultureInfo.InvariantCulture);

    sealed class Study(string model, string scale, string unseen)
    {
        public string Model { get; } = model;
        readonly ModelSource source = ModelSource.FromFolder(model);
        public ExperimentSetting English => ExperimentSetting.English(scale) with { Source = source };
        public ExperimentSetting Phones => ExperimentSetting.Multilingual(scale, "es") with { Source = source };
        public ExperimentSetting Unseen => Phones.For(unseen);

        /// <summary>Each row of the table: a name and the run for a seed.</summary>
        public IEnumerable<(string Name, Func<int, RunConfig> Run)> Rows(IReadOnlyList<double> sparsities)
        {
            yield return ("en full model", s => English.WithSeed(s).Dense());
            yield return ("es full model", s => Phones.WithSeed(s).Dense());
            yield return ($"{unseen} full model", s => Unseen.WithSeed(s).Dense());
            foreach (var sparsity in sparsities)
            {
                yield return ($"en MPI s={F(sparsity)}", s => English.WithSeed(s).Mpi(sparsity));
                yield return ($"en random s={F(sparsity)}", s => English.WithSeed(s).Random(sparsity));
            }
        }

        public IEnumerable<RunConfig> Runs(IReadOnlyList<int> seeds, IReadOnlyList<double> sparsities) =>
            Rows(sparsities).SelectMany(row => seeds.Select(row.Run));
    }
}
