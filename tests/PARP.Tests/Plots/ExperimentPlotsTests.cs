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

    static JsonArray Traces(Figure f) => (JsonArray)JsonNode.Parse(f.ToFigureJson())!["data"]!;

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

/// <summary>The heatmap keeps a fixed colour scale and refuses values of the wrong shape.</summary>
public class HeatmapTests
{
    [Fact]
    public void A_heatmap_spans_the_fixed_colour_scale_and_checks_its_shape()
    {
        var figure = Charts.Heatmap("t", ["a", "b"], ["a", "b"], [[1, 0.7], [0.7, 1]], "x", "y");
        var trace = ((JsonArray)JsonNode.Parse(figure.ToFigureJson())!["data"]!)[0]!;
        Assert.Equal("heatmap", (string)trace["type"]!);
        Assert.Equal((0.0, 1.0), ((double)trace["zmin"]!, (double)trace["zmax"]!));
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
