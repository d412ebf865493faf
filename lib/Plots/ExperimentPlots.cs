using System.Globalization;
using Parp.Experiments;
using Parp.Experiments.Methods;
using Parp.Pruning;

namespace Parp.Plots;

/// <summary>The experiments' figures (docs/paper.md §9) from run results and mask studies.</summary>
public static class ExperimentPlots
{
    /// <summary>
    /// Error rate against sparsity: one line per run label (methods in <paramref name="order"/>, others after), the dense
    /// model as a dashed horizontal line. <paramref name="value"/> picks the number (default: the error rate). Results of
    /// one label, language and sparsity under different keys (the same run with other seeds) are drawn as their mean with
    /// a bar of one standard deviation either way, and the legend says over how many seeds; a result given twice counts once.
    /// Where there are bars, each method's line is shifted by a few thousandths of sparsity so that the bars stay apart.
    /// </summary>
    public static Figure ErrorAgainstSparsity(IEnumerable<RunResult> results, string title, string yTitle,
        Func<RunResult, double>? value = null, IReadOnlyList<string>? order = null)
    {
        value ??= r => r.ErrorRate;
        order ??= PruningMethod.DisplayOrder;
        var rows = results.DistinctBy(r => r.Key).ToList();
        var pruned = rows.Where(r => !r.IsDense).ToList();
        double lo = pruned.Count == 0 ? 0 : pruned.Min(r => r.Sparsity), hi = pruned.Count == 0 ? 1 : pruned.Max(r => r.Sparsity);
        if (hi - lo < 0.1) (lo, hi) = (lo - 0.05, hi + 0.05);     // one sparsity: the full model's line still shows
        bool languages = rows.Select(r => r.Language).Distinct().Count() > 1;
        var series = new List<Series>();
        foreach (var dense in rows.Where(r => r.IsDense).GroupBy(r => r.Language))
        {
            var point = SeedPoint.Of(dense, value);
            series.Add(new($"full model{(languages ? " " + dense.Key : "")}{SeedNote([point])}", [lo, hi], [point.Mean, point.Mean],
                Dashed: true, YError: Bars([point, point])));
        }
        var lines = pruned.GroupBy(r => r.Label).OrderBy(g => Rank(order, g.First().Method)).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (Label: g.Key, Points: g.GroupBy(r => (r.Sparsity, r.Language)).OrderBy(p => p.Key.Sparsity).Select(p => SeedPoint.Of(p, value)).ToList()))
            .ToList();
        // With error bars, the methods are drawn a little apart (0.004 in sparsity each) so that one bar does not hide another.
        bool dodge = lines.Any(l => l.Points.Any(p => p.Seeds > 1));
        for (int i = 0; i < lines.Count; i++)
        {
            double shift = dodge ? (i - (lines.Count - 1) / 2.0) * 0.004 : 0;
            var (label, points) = lines[i];
            series.Add(new(label.ToUpperInvariant() + SeedNote(points), points.Select(p => p.Sparsity + shift), points.Select(p => p.Mean),
                YError: Bars(points)));
        }
        return Charts.Lines(title, "sparsity of the pruned pool", yTitle, series);
    }

    // One point of a line: the mean of a run's seeds, their sample standard deviation (NaN for one seed) and their count.
    sealed record SeedPoint(double Sparsity, double Mean, double StandardDeviation, int Seeds)
    {
        public static SeedPoint Of(IEnumerable<RunResult> runs, Func<RunResult, double> value)
        {
            var list = runs.ToList();
            var values = list.Select(value).ToList();
            double mean = values.Average();
            double sd = values.Count < 2 ? double.NaN : Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
            return new(list[0].Sparsity, mean, sd, values.Count);
        }
    }

    static ErrorBars? Bars(IReadOnlyList<SeedPoint> points) =>
        points.All(p => p.Seeds < 2) ? null : ErrorBars.Symmetric(points.Select(p => p.Seeds < 2 ? (double?)null : p.StandardDeviation).ToList());

    static string SeedNote(IReadOnlyList<SeedPoint> points)
    {
        int fewest = points.Min(p => p.Seeds), most = points.Max(p => p.Seeds);
        return most < 2 ? "" : fewest == most ? $" (mean ± sd, {most} seeds)" : $" (mean ± sd, {fewest}–{most} seeds)";
    }

    static int Rank(IReadOnlyList<string> order, string method)
    {
        int i = order.ToList().IndexOf(method);
        return i < 0 ? int.MaxValue : i;
    }

    /// <summary>IoU against sparsity per pair of masks, with the chance level of independent random masks dashed (E7).</summary>
    public static Figure Overlap(IEnumerable<OverlapPoint> points, string title, bool keptSet = true)
    {
        var list = points.ToList();
        var series = list.GroupBy(p => p.Pair).Select(g =>
        {
            var ordered = g.OrderBy(p => p.Sparsity).ToList();
            return new Series(g.Key, ordered.Select(p => p.Sparsity), ordered.Select(p => keptSet ? p.KeptIou : p.PrunedIou));
        }).ToList();
        var xs = list.Select(p => p.Sparsity).Distinct().OrderBy(s => s).ToList();
        series.Add(new("chance (random masks)", xs, xs.Select(s => keptSet ? MaskAnalysis.ChanceIou(1 - s, 1 - s) : MaskAnalysis.ChanceIou(s, s)), Dashed: true));
        return Charts.Lines(title, "sparsity", keptSet ? "IoU of the kept weights" : "IoU of the pruned weights", series);
    }

    /// <summary>The mask explorer: what a mask prunes of each module (columns: q, k, v, out, fc1, fc2 and their biases) of
    /// each layer (rows), on the fixed 0–1 scale.</summary>
    public static Figure ModuleSparsity(IReadOnlyList<ModuleSparsity> sparsity, string title)
    {
        var (rows, columns, values) = ModuleAnalysis.Grid(sparsity, m => m.Layer, m => m.Module, m => m.Sparsity);
        return Charts.Heatmap(title, columns, rows, values, "module", "layer");
    }

    /// <summary>The mask explorer: the share of each module's entries that changed state from the first mask to the
    /// second (revived + dropped), on a scale from 0 to the largest share shown.</summary>
    public static Figure ModuleChanges(IReadOnlyList<ModuleChanges> changes, string title)
    {
        var (rows, columns, values) = ModuleAnalysis.Grid(changes, c => c.Layer, c => c.Module,
            c => c.Count == 0 ? 0 : (double)(c.Revived + c.Dropped) / c.Count);
        double max = values.SelectMany(r => r).Where(double.IsFinite).DefaultIfEmpty(0).Max();
        return Charts.Heatmap(title, columns, rows, values, "module", "layer", max: Math.Max(max, 1e-6));
    }

    /// <summary>The mask explorer: kept-set IoU of two masks over the pool and per layer, beside the chance level of
    /// independent random masks at the same sparsities.</summary>
    public static Figure LayerOverlap(IReadOnlyList<MaskOverlap> overlap, string title) =>
        Charts.Columns(title, "part of the pool", "IoU of the kept weights",
        [
            ("kept-set IoU", overlap.Select(o => o.Group), overlap.Select(o => o.KeptIou)),
            ("chance (random masks)", overlap.Select(o => o.Group), overlap.Select(o => o.KeptChance)),
        ]);

    /// <summary>The mask explorer: the distribution of log10 |w| over the weights each mask keeps (share per bin, %).</summary>
    public static Figure Magnitudes(IReadOnlyList<MagnitudeHistogram> histograms, string title) =>
        Charts.Lines(title, "log10 |w| of a kept weight", "share of the kept weights (%)", histograms.Select(h =>
            new Series(h.Name, h.Edges.Zip(h.Edges.Skip(1), (lo, hi) => (lo + hi) / 2), h.Shares.Select(v => 100 * v))));

    /// <summary>Paired comparisons over seeds (the recipe-or-mechanism decomposition, MPI against random): each
    /// comparison's difference per seed and their mean, the mean with its 95 % interval as an error bar (negative: the
    /// first of the two has the lower error rate; a bar that crosses zero is a tie).</summary>
    public static Figure Paired(IReadOnlyList<PairedComparison> comparisons, string title, string metric)
    {
        var names = comparisons.Select(c => c.Comparison).ToList();
        var seeds = comparisons.SelectMany(c => c.PerSeed.Select(p => p.Seed)).Distinct().ToList();
        const string mean = "mean over seeds (95 % interval)";
        var series = new List<(string Name, IEnumerable<string> Categories, IEnumerable<double> Values)>
        {
            (mean, names, comparisons.Select(c => c.Difference.Mean)),
        };
        series.AddRange(seeds.Select(seed => ($"seed {seed}", (IEnumerable<string>)names,
            comparisons.Select(c => c.PerSeed.Where(p => p.Seed == seed).Select(p => p.Difference).DefaultIfEmpty(double.NaN).First()))));
        // Fewer than two pairs have no interval (its ends are NaN): no bar.
        static double? Reach(double end, double mean) => double.IsFinite(end) ? Math.Abs(end - mean) : null;
        var interval = new ErrorBars(comparisons.Select(c => Reach(c.Difference.High, c.Difference.Mean)).ToList(),
            comparisons.Select(c => Reach(c.Difference.Low, c.Difference.Mean)).ToList());
        // With no interval at all (one seed), no error bars: plotly.js would still draw a cap on every bar.
        bool anyInterval = interval.Above.Any(a => a is not null);
        return Charts.Columns(title, "comparison", $"difference in {metric} (points)", series,
            anyInterval ? new Dictionary<string, ErrorBars> { [mean] = interval } : null);
    }

    /// <summary>Cost per method and sparsity (E14): fine-tuning runs, updates or seconds as grouped columns.</summary>
    public static Figure Costs(IEnumerable<MethodCost> costs, string title, string measure = "runs")
    {
        var list = costs.ToList();
        Func<MethodCost, double> value = measure switch
        {
            "runs" => c => c.FineTuningRuns,
            "updates" => c => c.Updates,
            "seconds" => c => c.Seconds,
            _ => throw new ArgumentException($"measure '{measure}' is not one of runs, updates, seconds"),
        };
        var sparsities = list.Select(c => c.Sparsity).Distinct().OrderBy(s => s).ToList();
        // The dense run's cost entries are the "full" method's.
        var series = list.GroupBy(c => c.Method).OrderBy(g => Rank(PruningMethod.DisplayOrder, g.Key == "full" ? Dense.Kind : g.Key)).Select(g =>
            (g.Key.ToUpperInvariant(), sparsities.Select(s => s.ToString("0.##", CultureInfo.InvariantCulture)),
             sparsities.Select(s => g.FirstOrDefault(c => Math.Abs(c.Sparsity - s) < 1e-9) is { } c ? value(c) : 0.0)));
        var yTitle = measure switch { "runs" => "fine-tuning runs", "updates" => "updates trained", _ => "training seconds (this machine)" };
        return Charts.Columns(title, "target sparsity", yTitle, series);
    }

    /// <summary>PARP's mask movement over a run (E9): entries changed and revived at each re-prune.</summary>
    public static Figure ParpHistory(IEnumerable<(string Name, IReadOnlyList<ReprunePoint> History)> runs, string title)
    {
        var series = new List<Series>();
        foreach (var (name, history) in runs)
        {
            var points = history.Where(p => p.Update > 0).ToList();
            series.Add(new($"{name}: changed since the last prune", points.Select(p => (double)p.Update), points.Select(p => (double)p.Changed)));
            series.Add(new($"{name}: revived since the start", points.Select(p => (double)p.Update), points.Select(p => (double)p.Revived)));
        }
        return Charts.Lines(title, "update", "weights of the pool", series);
    }

    /// <summary>One metric (default the loss) of training logs (<c>metrics.jsonl</c>) against updates, one line per log;
    /// logs that do not exist yet are left out.</summary>
    public static Figure MetricCurves(IEnumerable<(string Name, string MetricsPath)> logs, string title, string metric = "loss")
    {
        var series = new List<Series>();
        foreach (var (name, path) in logs)
        {
            if (!File.Exists(path)) continue;
            var (updates, values) = Parp.Training.MetricsLog.Series(Parp.Training.MetricsLog.Read(path), metric);
            series.Add(new(name, updates, values));
        }
        return Charts.Lines(title, "update", metric, series);
    }

    /// <summary>The training loss of experiment runs against updates (runs not started yet are left out).</summary>
    public static Figure TrainingCurves(IEnumerable<RunConfig> runs, string title, string? cacheRoot = null) =>
        MetricCurves(runs.Select(r => ($"{r.Label} {r.Language}" + (r.Method.IsDense ? "" : $" s={r.Sparsity:0.##}"),
            RunFolder.Of(r, cacheRoot ?? ExperimentRunner.DefaultCache).MetricsFile)), title);

    /// <summary>Grouped columns per language: one colour per run label (the full model first), the error rate.</summary>
    public static Figure ByLanguage(IEnumerable<RunResult> results, string title)
    {
        var list = results.ToList();
        var languages = list.Select(r => r.Language).Distinct().ToList();
        var series = list.GroupBy(r => r.IsDense ? "full model" : r.Label)
            .OrderBy(g => g.Key == "full model" ? -1 : Rank(PruningMethod.DisplayOrder, g.First().Method)).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (g.Key.ToUpperInvariant(), (IEnumerable<string>)languages,
                languages.Select(l => g.FirstOrDefault(r => r.Language == l)?.ErrorRate ?? double.NaN)));
        var metric = list.FirstOrDefault()?.Metric ?? "PER";
        return Charts.Columns(title, "language", $"{metric} (%)", series);
    }

    /// <summary>
    /// Cross-lingual transfer (E11) per target language: the full model, the target's own OMP mask (fixed), other
    /// languages' OMP masks fixed (a) and adjusted by PARP (b), each averaged over the source languages.
    /// </summary>
    public static Figure Transfer(IEnumerable<RunResult> results, string title)
    {
        var list = results.ToList();
        var targets = list.Where(r => !r.IsDense && r.Label.Contains("(mask ")).Select(r => r.Language).Distinct().ToList();
        double Mean(IEnumerable<RunResult> rows) => rows.Select(r => r.ErrorRate).DefaultIfEmpty(double.NaN).Average();
        (string, IEnumerable<string>, IEnumerable<double>) Bar(string name, Func<RunResult, bool> pick) =>
            (name, targets, targets.Select(t => Mean(list.Where(r => r.Language == t && r.TrainedOn == t && pick(r)))));
        var metric = list.FirstOrDefault(r => targets.Contains(r.Language))?.Metric ?? "PER";
        return Charts.Columns(title, "target language", $"{metric} (%)",
        [
            Bar("full model", r => r.IsDense),
            Bar("own OMP mask, fixed", r => r.Method == Omp.Kind && !r.Label.Contains("(mask ")),
            Bar("(a) foreign OMP mask, fixed", r => r.Method == Omp.Kind && r.Label.Contains("(mask ")),
            Bar("(b) foreign OMP mask + PARP", r => r.Method == PruneAdjustReprune.Kind && r.Label.Contains("(mask ")),
        ]);
    }

    /// <summary>PARP's error rate against its re-prune interval (log axis), the full model and MPI at the same sparsity dashed.</summary>
    public static Figure AgainstInterval(IReadOnlyList<RunConfig> runs, IEnumerable<RunResult> results, string title,
        Func<RunResult, double>? value = null, string? yTitle = null)
    {
        value ??= r => r.ErrorRate;
        var list = results.ToList();
        var interval = runs.Where(r => r.Method is PruneAdjustReprune).ToDictionary(r => r.Key, r => (double)((PruneAdjustReprune)r.Method).Interval);
        var parp = list.Where(r => interval.ContainsKey(r.Key)).OrderBy(r => interval[r.Key]).ToList();
        var xs = parp.Select(r => interval[r.Key]).ToList();
        double lo = xs.DefaultIfEmpty(1).Min(), hi = xs.DefaultIfEmpty(1).Max();
        var series = new List<Series> { new("PARP", xs, parp.Select(value)) };
        foreach (var r in list.Where(r => r.IsDense || r.Method == Mpi.Kind))
            series.Add(new(r.IsDense ? "full model" : $"MPI (fixed mask) s={r.Sparsity:0.##}", [lo, hi], [value(r), value(r)], Dashed: true));
        return Charts.Lines(title, "re-prune interval n (updates)", yTitle ?? $"{list.FirstOrDefault()?.Metric ?? "error rate"} (%)", series, logX: true);
    }
}
