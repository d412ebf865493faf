using System.Globalization;
using Parp.Experiments;
using Parp.Runtime;
using static TorchSharp.torch;

/// <summary>
/// Float32 against mixed bf16 on the runs of the main result: the English track's full model, MPI and PARP at one
/// sparsity, over several seeds, trained by the experiment runner into its cache (resumable; a second call reads the
/// runs back). It prints each run's error rate (CER where the track has one: a short run's WER sits near 100), the paired difference mixed − float32 per method, and PARP − MPI under
/// each precision, with 95 % intervals: mixed precision may become a default only if it moves neither.
/// </summary>
static class PrecisionStudy
{
    public static void Run(Device device, string scale, IReadOnlyList<int> seeds, double sparsity)
    {
        Console.WriteLine($"processor: {Processor.Description}, {Environment.ProcessorCount} cores; scale {scale}, sparsity {sparsity}, seeds {string.Join(", ", seeds)}");
        if (!Processor.HasNativeBf16)
            Console.WriteLine("warning: this processor has no native bf16; the mixed runs will be slow (the numbers still compare)");
        var runs = new List<(string Precision, int Seed, string Method, RunConfig Run)>();
        foreach (var seed in seeds)
            foreach (var mixed in new[] { false, true })
            {
                var setting = ExperimentSetting.English(scale).WithSeed(seed).WithMixedBf16(mixed);
                string precision = mixed ? "mixed bf16" : "float32";
                runs.Add((precision, seed, "full", setting.Dense()));
                runs.Add((precision, seed, "MPI", setting.Mpi(sparsity)));
                runs.Add((precision, seed, "PARP", setting.Parp(sparsity)));
            }
        var lines = new ThrottledProgress<string>(Console.Error.WriteLine, TimeSpan.FromSeconds(30));
        var results = ExperimentRunner.Run(runs.Select(r => r.Run).ToList(), device,
            progress: new SynchronousProgress<ExperimentProgress>(p => { if (!p.Finished) lines.Report(p.ToString()); }));
        lines.Flush();
        var score = PairedComparisons.ErrorByKey(results);   // CER where the track has one, as the paired comparisons score
        var error = runs.Zip(results, (r, result) =>
                (r.Precision, r.Seed, r.Method, ErrorRate: score[result.Key],
                 Metric: result.CharacterErrorRate is null ? result.Metric : "CER", result.TrainSeconds))
            .ToList();
        string metric = error[0].Metric;
        Console.WriteLine($"\n{metric} per run (training seconds in brackets):");
        Console.WriteLine($"| seed | method | float32 | mixed bf16 | mixed − float32 |");
        Console.WriteLine($"| --- | --- | --- | --- | --- |");
        double Of(string precision, int seed, string method) => error.Single(e => e.Precision == precision && e.Seed == seed && e.Method == method).ErrorRate;
        double Seconds(string precision, int seed, string method) => error.Single(e => e.Precision == precision && e.Seed == seed && e.Method == method).TrainSeconds;
        string[] methods = ["full", "MPI", "PARP"];
        foreach (var seed in seeds)
            foreach (var method in methods)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {seed} | {method} | {Of("float32", seed, method):F2} ({Seconds("float32", seed, method):F0} s) | {Of("mixed bf16", seed, method):F2} ({Seconds("mixed bf16", seed, method):F0} s) | {PairedDifference.Signed(Of("mixed bf16", seed, method) - Of("float32", seed, method))} |"));
        Console.WriteLine($"\npaired over seeds, mean [95 % interval]:");
        foreach (var method in methods)
            Console.WriteLine($"  {method}: mixed − float32 = {PairedDifference.Of(seeds.Select(s => Of("mixed bf16", s, method)).ToList(), seeds.Select(s => Of("float32", s, method)).ToList())}");
        foreach (var precision in new[] { "float32", "mixed bf16" })
            Console.WriteLine($"  {precision}: PARP − MPI = {PairedDifference.Of(seeds.Select(s => Of(precision, s, "PARP")).ToList(), seeds.Select(s => Of(precision, s, "MPI")).ToList())}");
        double total32 = error.Where(e => e.Precision == "float32").Sum(e => e.TrainSeconds), totalMixed = error.Where(e => e.Precision == "mixed bf16").Sum(e => e.TrainSeconds);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  training seconds in all: float32 {total32:F0}, mixed bf16 {totalMixed:F0} ({total32 / totalMixed:F2}×)"));
    }
}
