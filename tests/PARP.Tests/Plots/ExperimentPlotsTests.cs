using System.Text.Json.Nodes;
using Parp.Experiments;
using Parp.Plots;
using Parp.Pruning;
using Parp.Tests.Support;

namespace Parp.Tests.Plots;

/// <summary>The experiment figures: which traces they draw from results, and that a dry run (no results) still draws.</summary>
public class ExperimentPlotsTests
{
    static RunResult Result(string method, double s, double rate, string label = "", string language = "en") =>
        new(method, label == "" ? method : label, s, language, language, method + s, rate, "WER", rate / 2, s, 10, 1.5, false);

    internal static JsonArray Traces(Figure f) => (JsonArray)JsonNode.Parse(f.ToFigureJson())!["data"]!;

    [Fact]
    public void Error_against_sparsity_draws_the_full_model_dashed_across_the_pruned_range_and_one_line_per_label()
    {
        var figure = ExperimentPlots.ErrorAgainstSparsity(
            [Result("dense", 0, 50), Result("parp", 0.9, 70), Result("mpi", 0.5, 45), Result("parp", 0.5, 40), Result("mpi", 0.9, 80)],
            "t", "WER (%)", order: ["parp", "mpi"]);
        var traces = Traces(figure);
        Assert.Equal(["full model", "PARP", "MPI"], traces.Select(t => (string)t!["name"]!));
        Assert.Equal([0.5, 0.9], traces[0]!["x"]!.AsArray().Select(x => (double)x!));
        Assert.Equal([50.0, 50.0], traces[0]!["y"]!.AsArray().Select(x => (double)x!));
        Assert.Equal("dash", (string)traces[0]!["line"]!["dash"]!);
        Assert.Equal([40.0, 70.0], traces[1]!["y"]!.AsArray().Select(x => (double)x!));   // sorted by sparsity
        var cer = ExperimentPlots.ErrorAgainstSparsity([Result("dense", 0, 50), Result("mpi", 0.5, 40)], "t", "CER", r => r.CharacterErrorRate!.Value);
        Assert.Equal(20.0, (double)Traces(cer)[1]!["y"]![0]!);
        // A dry run has no results: the figure is empty but drawable.
        var empty = Traces(ExperimentPlots.ErrorAgainstSparsity([], "t", "WER"));
        Assert.Equal("no results", (string)Assert.Single(empty)!["name"]!);
        Assert.Empty(empty[0]!["x"]!.AsArray());
        Assert.Single(Traces(ExperimentPlots.Costs([], "t")));
    }

    [Fact]
    public void Runs_over_several_seeds_are_drawn_as_their_mean_with_a_standard_deviation_bar()
    {
        static RunResult Seeded(string method, double s, double rate, int seed) =>
            Result(method, s, rate) with { Key = $"{method}{s}-{seed}" };
        var mpi = Seeded("mpi", 0.7, 40, 1);
        var figure = ExperimentPlots.ErrorAgainstSparsity(
            [Seeded("dense", 0, 30, 1), Seeded("dense", 0, 34, 2), mpi, Seeded("mpi", 0.7, 44, 2), Seeded("mpi", 0.7, 48, 3),
             Seeded("mpi", 0.9, 60, 1), mpi],   // the same result twice counts once
            "t", "WER (%)");
        var traces = Traces(figure);
        Assert.Equal(["full model (mean ± sd, 2 seeds)", "MPI (mean ± sd, 1–3 seeds)"], traces.Select(t => (string)t!["name"]!));
        Assert.Equal([32.0, 32.0], traces[0]!["y"]!.AsArray().Select(y => (double)y!));
        Assert.Equal(Math.Sqrt(8), (double)traces[0]!["error_y"]!["array"]![0]!, 9);
        Assert.Equal([44.0, 60.0], traces[1]!["y"]!.AsArray().Select(y => (double)y!));
        Assert.Equal([0.7, 0.9], traces[1]!["x"]!.AsArray().Select(x => (double)x!));   // one line: nothing to keep apart
        var bars = traces[1]!["error_y"]!;
        Assert.Equal(4.0, (double)bars["array"]![0]!, 9);        // sd of 40, 44, 48
        Assert.Equal(4.0, (double)bars["arrayminus"]![0]!, 9);
        Assert.Null(bars["array"]![1]);                            // one seed at 0.9: no bar
        // Two lines with bars are drawn apart, symmetrically about the sparsity.
        var apart = Traces(ExperimentPlots.ErrorAgainstSparsity([mpi, Seeded("mpi", 0.7, 44, 2), Seeded("parp", 0.7, 41, 1)], "t", "WER"));
        Assert.Equal(0.698, (double)apart[0]!["x"]![0]!, 9);
        Assert.Equal(0.702, (double)apart[1]!["x"]![0]!, 9);
        // One seed everywhere: plain lines, no bars.
        Assert.All(Traces(ExperimentPlots.ErrorAgainstSparsity([Result("dense", 0, 50), Result("mpi", 0.5, 45)], "t", "WER")),
            t => Assert.Null(t!["error_y"]));
    }

    [Fact]
    public void The_paired_figure_bars_each_mean_with_its_interval()
    {
        var decisive = new PairedComparison("a − b", "m", [(1, -2.0), (2, -3.0), (3, -4.0)], PairedDifference.Of([1, 2, 3], [3, 5, 7]));
        var single = new PairedComparison("c − d", "m", [(1, 1.0)], PairedDifference.Of([2], [1]));
        var traces = Traces(ExperimentPlots.Paired([decisive, single], "t", "CER"));
        Assert.Equal(["mean over seeds (95 % interval)", "seed 1", "seed 2", "seed 3"], traces.Select(t => (string)t!["name"]!));
        var bars = traces[0]!["error_y"]!;
        Assert.Equal(decisive.Difference.High - decisive.Difference.Mean, (double)bars["array"]![0]!, 9);
        Assert.Equal(decisive.Difference.Mean - decisive.Difference.Low, (double)bars["arrayminus"]![0]!, 9);
        Assert.Null(bars["array"]![1]);                            // one pair has no interval
        Assert.Null(traces[1]!["error_y"]);
        // One seed everywhere: no interval anywhere, so no error bars at all.
        Assert.Null(Traces(ExperimentPlots.Paired([single], "t", "CER"))[0]!["error_y"]);
    }

    [Fact]
    public void The_overlap_figure_adds_the_chance_line_and_the_cost_figure_one_column_series_per_method()
    {
        var points = new[] { new OverlapPoint("MPI vs OMP", 0.5, 0.8, 0.8, 1 / 3.0, 1 / 3.0), new OverlapPoint("MPI vs OMP", 0.9, 0.6, 0.95, 0.053, 0.818) };
        var traces = Traces(ExperimentPlots.Overlap(points, "t"));
        Assert.Equal(["MPI vs OMP", "chance (random masks)"], traces.Select(t => (string)t!["name"]!));
        Assert.Equal(MaskAnalysis.ChanceIou(0.1, 0.1), (double)traces[1]!["y"]![1]!, 9);
        var pruned = Traces(ExperimentPlots.Overlap(points, "t", keptSet: false));
        Assert.Equal(0.95, (double)pruned[0]!["y"]![1]!);

        var costs = new[] { new MethodCost("omp", 0.5, 2, 20, 3), new MethodCost("mpi", 0.5, 1, 10, 1), new MethodCost("omp", 0.9, 2, 20, 3) };
        var bars = Traces(ExperimentPlots.Costs(costs, "t"));
        Assert.Equal(["MPI", "OMP"], bars.Select(t => (string)t!["name"]!));
        Assert.Equal([1.0, 0.0], bars[0]!["y"]!.AsArray().Select(y => (double)y!));     // MPI has no run at 0.9
        Assert.Throws<ArgumentException>(() => ExperimentPlots.Costs(costs, "t", "joules"));
    }

    [Fact]
    public void The_transfer_figure_separates_own_fixed_and_adjusted_foreign_masks()
    {
        var results = new[]
        {
            Result("dense", 0, 10, language: "es"), Result("omp", 0.8, 20, "omp", "es"),
            Result("omp", 0.8, 40, "omp (mask en)", "es"), Result("omp", 0.8, 50, "omp (mask fr)", "es"),
            Result("parp", 0.8, 25, "parp (mask en)", "es"),
        };
        var traces = Traces(ExperimentPlots.Transfer(results, "t"));
        Assert.Equal([10.0, 20.0, 45.0, 25.0], traces.Select(t => (double)t!["y"]![0]!));   // (a) averages its two sources
    }
}

/// <summary>The heatmap keeps a fixed colour scale, writes the values of a small grid in its cells, and refuses values of the wrong shape.</summary>
public class HeatmapTests
{
    [Fact]
    public void A_heatmap_spans_the_fixed_colour_scale_and_checks_its_shape()
    {
        var figure = Charts.Heatmap("t", ["a", "b"], ["a", "b"], [[1, 0.7], [0.7, 1]], "x", "y");
        var trace = ExperimentPlotsTests.Traces(figure)[0]!;
        Assert.Equal("heatmap", (string)trace["type"]!);
        Assert.Equal((0.0, 1.0), ((double)trace["zmin"]!, (double)trace["zmax"]!));
        Assert.Equal("%{z:.2f}", (string)trace["texttemplate"]!);   // the values are written in the cells
        var large = Enumerable.Range(0, 13).Select(_ => new double[12]).ToArray();
        var crowded = ExperimentPlotsTests.Traces(Charts.Heatmap("t", Enumerable.Range(0, 12).Select(i => $"c{i}").ToList(),
            Enumerable.Range(0, 13).Select(i => $"r{i}").ToList(), large, "x", "y"))[0]!;
        Assert.Null(crowded["texttemplate"]);   // 156 cells: hover only
        Assert.Throws<ArgumentException>(() => Charts.Heatmap("t", ["a", "b"], ["a"], [[1, 0.7], [0.7, 1]], "x", "y"));
    }
}

/// <summary>PNG export through headless Chromium.</summary>
public class FigurePngTests
{
    [RequiresProgramFact("chromium", "chromium")]
    public void A_figure_saves_as_html_and_a_png_image()
    {
        using var dir = new TempDir();
        var figure = Charts.Lines("t", "x", "y", [new Series("a", [0.0, 1.0], [1.0, 2.0])]);
        var files = figure.Save(dir.Path, "figure", "title");
        Assert.Equal([Path.Combine(dir.Path, "figure.html"), Path.Combine(dir.Path, "figure.png")], files);
        var png = File.ReadAllBytes(files[1]);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        Assert.True(png.Length > 5_000, $"a drawn chart, not a blank page ({png.Length} bytes)");
    }
}
