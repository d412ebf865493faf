using System.Globalization;
using Microsoft.Data.Analysis;
using Parp.IO;

namespace Parp.Experiments;

/// <summary>Run results as notebook tables and CSV files.</summary>
public static class ResultTables
{
    /// <summary>The results as a table: method, label, language, sparsity, metric, error rate (%), CER, measured sparsity,
    /// updates, seconds, cached, key.</summary>
    public static DataFrame ToDataFrame(IEnumerable<RunResult> results)
    {
        var rows = results.ToList();
        return new DataFrame(
            new StringDataFrameColumn("method", rows.Select(r => r.Method)),
            new StringDataFrameColumn("label", rows.Select(r => r.Label)),
            new StringDataFrameColumn("language", rows.Select(r => r.Language)),
            new StringDataFrameColumn("trained_on", rows.Select(r => r.TrainedOn)),
            new DoubleDataFrameColumn("sparsity", rows.Select(r => r.Sparsity)),
            new StringDataFrameColumn("metric", rows.Select(r => r.Metric)),
            new DoubleDataFrameColumn("error_rate_percent", rows.Select(r => Math.Round(r.ErrorRate, 2))),
            new DoubleDataFrameColumn("cer_percent", rows.Select(r => r.CharacterErrorRate is double c ? Math.Round(c, 2) : (double?)null)),
            new DoubleDataFrameColumn("measured_sparsity", rows.Select(r => Math.Round(r.MeasuredSparsity, 4))),
            new Int32DataFrameColumn("updates", rows.Select(r => r.Updates)),
            new DoubleDataFrameColumn("train_seconds", rows.Select(r => Math.Round(r.TrainSeconds, 1))),
            new BooleanDataFrameColumn("cached", rows.Select(r => r.FromCache)),
            new StringDataFrameColumn("key", rows.Select(r => r.Key)));
    }

    /// <summary>The results as CSV (invariant culture), written atomically.</summary>
    public static void SaveCsv(IEnumerable<RunResult> results, string path)
    {
        static string F(double d) => d.ToString("R", CultureInfo.InvariantCulture);
        var lines = new List<string> { "method,label,language,trained_on,sparsity,metric,error_rate_percent,cer_percent,measured_sparsity,updates,train_seconds,key" };
        lines.AddRange(results.Select(r => string.Join(',', r.Method, Quote(r.Label), r.Language, r.TrainedOn, F(r.Sparsity), r.Metric,
            F(r.ErrorRate), r.CharacterErrorRate is double c ? F(c) : "", F(r.MeasuredSparsity),
            r.Updates.ToString(CultureInfo.InvariantCulture), r.TrainSeconds.ToString("F1", CultureInfo.InvariantCulture), r.Key)));
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        AtomicFile.WriteAllLines(path, lines);
    }

    /// <summary>One run's spread over seeds: its label, language, sparsity and updates, the measure, each seed's error rate.</summary>
    public sealed record Spread(string Label, string Language, double Sparsity, int Updates, string Metric, IReadOnlyList<(int Seed, double Error)> PerSeed)
    {
        public double Mean => PerSeed.Average(p => p.Error);
        /// <summary>The sample standard deviation across seeds (NaN for one seed).</summary>
        public double StandardDeviation
        {
            get
            {
                if (PerSeed.Count < 2) return double.NaN;
                double mean = Mean;
                return Math.Sqrt(PerSeed.Sum(p => (p.Error - mean) * (p.Error - mean)) / (PerSeed.Count - 1));
            }
        }
    }

    /// <summary>
    /// The same runs made with several seeds, grouped by everything but the seed: each group's error rate per seed (CER
    /// where the track has one, as the paired comparisons score), mean and seed-to-seed standard deviation. Runs without a
    /// result are left out; runs that differ in their recipe beyond the seed (another budget) are other groups.
    /// </summary>
    public static List<Spread> SeedSpread(IReadOnlyList<RunConfig> runs, IEnumerable<RunResult> results)
    {
        var byKey = results.GroupBy(r => r.Key).ToDictionary(g => g.Key, g => g.First());
        var score = PairedComparisons.ErrorByKey(byKey.Values);
        return runs.Where(r => byKey.ContainsKey(r.Key)).DistinctBy(r => r.Key)
            .GroupBy(r => (r.Label, r.Language, r.Sparsity, Recipe: r.Recipe with { Seed = 0 }))
            .Select(g => new Spread(g.Key.Label, g.Key.Language, g.Key.Sparsity, g.Key.Recipe.MaxUpdates,
                byKey[g.First().Key].CharacterErrorRate is null ? byKey[g.First().Key].Metric : "CER",
                g.Select(r => (r.Recipe.Seed, score[r.Key])).ToList()))
            .ToList();
    }

    /// <summary><see cref="SeedSpread"/> as a table: label, language, sparsity, updates, metric, seeds, mean, sd, per seed.</summary>
    public static DataFrame ToDataFrame(IReadOnlyList<Spread> spreads) => new(
        new StringDataFrameColumn("label", spreads.Select(s => s.Label)),
        new StringDataFrameColumn("language", spreads.Select(s => s.Language)),
        new DoubleDataFrameColumn("sparsity", spreads.Select(s => s.Sparsity)),
        new Int32DataFrameColumn("updates", spreads.Select(s => s.Updates)),
        new StringDataFrameColumn("metric", spreads.Select(s => s.Metric)),
        new Int32DataFrameColumn("seeds", spreads.Select(s => s.PerSeed.Count)),
        new DoubleDataFrameColumn("mean", spreads.Select(s => Math.Round(s.Mean, 2))),
        new DoubleDataFrameColumn("sd", spreads.Select(s => double.IsNaN(s.StandardDeviation) ? (double?)null : Math.Round(s.StandardDeviation, 2))),
        new StringDataFrameColumn("per seed", spreads.Select(s => string.Join("; ", s.PerSeed.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Seed}: {p.Error:0.00}"))))));

    /// <summary>The runs of a plan, before anything runs: what each is, its updates, its key and whether it is cached.</summary>
    public static DataFrame Plan(IReadOnlyList<RunConfig> runs, string? cacheRoot = null) => new(
        new StringDataFrameColumn("label", runs.Select(r => r.Label)),
        new StringDataFrameColumn("language", runs.Select(r => r.Language)),
        new DoubleDataFrameColumn("sparsity", runs.Select(r => r.Sparsity)),
        new StringDataFrameColumn("recipe", runs.Select(r => r.Recipe.Name)),
        new Int32DataFrameColumn("updates", runs.Select(r => r.Recipe.MaxUpdates)),
        new Int32DataFrameColumn("interval", runs.Select(r => r.Method.ReprunesEvery)),
        new StringDataFrameColumn("mask_from", runs.Select(r => r.Method.DependsOn is { } d ? $"{d.Language} dense {d.Key}" : "")),
        new StringDataFrameColumn("key", runs.Select(r => r.Key)),
        new BooleanDataFrameColumn("cached", runs.Select(r => File.Exists(RunFolder.Of(r, cacheRoot ?? ExperimentRunner.DefaultCache).ResultFile))));

    /// <summary>
    /// Each pruned result against the full model of its language (the paper's headline: "PARP beats the full model by
    /// 10.9 / 12.6 WER"): error rates and the difference, negative where the subnetwork is better.
    /// </summary>
    public static DataFrame AgainstFullModel(IEnumerable<RunResult> results, string method)
    {
        var list = results.ToList();
        var rows = list.Where(r => r.Method == method)
            .Select(r => (Run: r, Full: list.FirstOrDefault(d => d.IsDense && d.Language == r.Language && d.TrainedOn == d.Language)))
            .Where(p => p.Full is not null).OrderBy(p => p.Run.Language).ThenBy(p => p.Run.Sparsity).ToList();
        return new DataFrame(
            new StringDataFrameColumn("language", rows.Select(p => p.Run.Language)),
            new DoubleDataFrameColumn("sparsity", rows.Select(p => p.Run.Sparsity)),
            new StringDataFrameColumn("metric", rows.Select(p => p.Run.Metric)),
            new DoubleDataFrameColumn("full_model", rows.Select(p => Math.Round(p.Full!.ErrorRate, 2))),
            new DoubleDataFrameColumn(method, rows.Select(p => Math.Round(p.Run.ErrorRate, 2))),
            new DoubleDataFrameColumn("difference", rows.Select(p => Math.Round(p.Run.ErrorRate - p.Full!.ErrorRate, 2))),
            new DoubleDataFrameColumn("full_model_cer", rows.Select(p => p.Full!.CharacterErrorRate is double c ? Math.Round(c, 2) : (double?)null)),
            new DoubleDataFrameColumn(method + "_cer", rows.Select(p => p.Run.CharacterErrorRate is double c ? Math.Round(c, 2) : (double?)null)),
            new DoubleDataFrameColumn("difference_cer", rows.Select(p => p.Run.CharacterErrorRate is double c && p.Full!.CharacterErrorRate is double f ? Math.Round(c - f, 2) : (double?)null)));
    }

    /// <summary>A square or rectangular matrix (an IoU heatmap's numbers) as a table: one row per row name.</summary>
    public static DataFrame Matrix(IReadOnlyList<string> rows, IReadOnlyList<string> columns, double[][] values)
    {
        var frame = new DataFrame(new StringDataFrameColumn("", rows));
        for (int j = 0; j < columns.Count; j++)
            frame.Columns.Add(new DoubleDataFrameColumn(columns[j], values.Select(r => Math.Round(r[j], 4))));
        return frame;
    }

    /// <summary>A CSV field: quoted (inner quotes doubled) when it holds a comma, a quote or a line break.</summary>
    internal static string Quote(string text) =>
        text.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? '"' + text.Replace("\"", "\"\"") + '"' : text;
}
