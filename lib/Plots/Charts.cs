using Plotly.NET;
using Plotly.NET.CSharp;
using Microsoft.FSharp.Core;
using PlotlyChart = Plotly.NET.CSharp.Chart;

namespace Parp.Plots;

/// <summary>A named sequence of (x, y) points; a dashed series is drawn without markers (reference lines: chance, the dense
/// model). <paramref name="YError"/>, where given, draws an error bar at each point.</summary>
public sealed record Series(string Name, IEnumerable<double> X, IEnumerable<double> Y, bool Dashed = false, ErrorBars? YError = null);

/// <summary>Error bars, per point: how far each bar reaches above and below the value (null: no bar at that point).</summary>
public sealed record ErrorBars(IReadOnlyList<double?> Above, IReadOnlyList<double?> Below)
{
    /// <summary>Bars of the same length both ways (a standard deviation).</summary>
    public static ErrorBars Symmetric(IReadOnlyList<double?> length) => new(length, length);
}

/// <summary>The project's chart shapes, built with Plotly.NET and returned as displayable figures.</summary>
public static class Charts
{
    /// <summary>One line (with markers) per series.</summary>
    public static Figure Lines(string title, string xTitle, string yTitle, IEnumerable<Series> series, bool logX = false)
    {
        var traces = series.Select(s => s.Dashed
            ? PlotlyChart.Line<double, double, string>(x: s.X.ToArray(), y: s.Y.ToArray(), Name: s.Name, ShowMarkers: false,
                LineDash: StyleParam.DrawingStyle.Dash)
            : PlotlyChart.Line<double, double, string>(x: s.X.ToArray(), y: s.Y.ToArray(), Name: s.Name, ShowMarkers: true))
            .Zip(series, (trace, s) => s.YError is null ? trace : WithYError(trace, s.YError));
        var chart = Combine(traces)
            .WithXAxisStyle<double, double, string>(TitleText: xTitle, AxisType: logX ? StyleParam.AxisType.Log : StyleParam.AxisType.Linear)
            .WithYAxisStyle<double, double, string>(TitleText: yTitle);
        return new Figure(WithTitle(chart, title));
    }

    /// <summary>Grouped columns: one colour per series, one group per category; <paramref name="errors"/> gives error bars
    /// to the series it names.</summary>
    public static Figure Columns(string title, string xTitle, string yTitle, IEnumerable<(string Name, IEnumerable<string> Categories, IEnumerable<double> Values)> series,
        IReadOnlyDictionary<string, ErrorBars>? errors = null)
    {
        var traces = series.Select(s =>
        {
            var trace = PlotlyChart.Column<double, string, string>(values: s.Values.ToArray(), Keys: s.Categories.ToArray(), Name: s.Name);
            return errors is not null && errors.TryGetValue(s.Name, out var bars) ? WithYError(trace, bars) : trace;
        });
        var chart = Combine(traces)
            .WithXAxisStyle<double, double, string>(TitleText: xTitle)
            .WithYAxisStyle<double, double, string>(TitleText: yTitle);
        return new Figure(WithTitle(chart, title));
    }

    // The C# API has no error bars that take missing points; plotly.js reads them from the trace's error_y.
    static GenericChart WithYError(GenericChart trace, ErrorBars bars) =>
        GenericChart.mapTrace(FuncConvert.FromFunc<Trace, Trace>(t =>
        {
            t.SetProperty("error_y", new Dictionary<string, object>
            {
                ["type"] = "data", ["symmetric"] = false, ["visible"] = true,
                ["array"] = bars.Above.ToArray(), ["arrayminus"] = bars.Below.ToArray(),
            });
            return t;
        }), trace);

    // Plotly.NET cannot combine nothing; a figure with nothing to show (a dry run) gets one empty trace and keeps its axes.
    static GenericChart Combine(IEnumerable<GenericChart> traces)
    {
        var list = traces.ToList();
        return list.Count > 0 ? PlotlyChart.Combine(list)
            : PlotlyChart.Line<double, double, string>(x: Array.Empty<double>(), y: Array.Empty<double>(), Name: "no results");
    }

    /// <summary>
    /// A heatmap of <paramref name="values"/>[row][column] (rows drawn top to bottom), e.g. mask IoU between languages.
    /// Hovering shows the value, and a small grid (at most <see cref="MaxLabelledCells"/> cells) also writes it in each
    /// cell with two decimals, so that a screenshot or a printout reads without hovering.
    /// The colour scale spans [<paramref name="min"/>, <paramref name="max"/>], fixed so that figures compare (an IoU
    /// of 0.7 looks the same in every heatmap), not stretched to the values shown.
    /// </summary>
    public static Figure Heatmap(string title, IReadOnlyList<string> columns, IReadOnlyList<string> rows, double[][] values,
        string xTitle, string yTitle, double min = 0, double max = 1)
    {
        if (values.Length != rows.Count || values.Any(r => r.Length != columns.Count))
            throw new ArgumentException($"a heatmap of {rows.Count} rows × {columns.Count} columns needs values of that shape");
        var trace = PlotlyChart.Heatmap<double, string, string, string>(zData: values, X: columns.ToArray(), Y: rows.ToArray(),
            ReverseYAxis: true, ColorScale: StyleParam.Colorscale.Viridis);
        // The C# API has no zmin/zmax; the trace is a dynamic object that takes them as they are named in plotly.js.
        trace = GenericChart.mapTrace(FuncConvert.FromFunc<Trace, Trace>(t =>
        {
            t.SetProperty("zmin", min);
            t.SetProperty("zmax", max);
            if (rows.Count * columns.Count <= MaxLabelledCells) t.SetProperty("texttemplate", "%{z:.2f}");
            return t;
        }), trace);
        var chart = trace
            .WithXAxisStyle<double, double, string>(TitleText: xTitle)
            .WithYAxisStyle<double, double, string>(TitleText: yTitle);
        return new Figure(WithTitle(chart, title), height: Math.Max(350, 45 * rows.Count + 150));
    }

    /// <summary>Above this many cells a heatmap's values would crowd each other; it shows them on hover only.</summary>
    public const int MaxLabelledCells = 150;

    /// <summary>A waveform, reduced to at most <paramref name="points"/> min/max pairs so long clips stay light.</summary>
    public static Figure Waveform(string title, float[] samples, int sampleRate, int points = 1500)
    {
        int bucket = Math.Max(1, (int)Math.Ceiling(samples.Length / (double)points));
        var x = new List<double>();
        var y = new List<double>();
        for (int start = 0; start < samples.Length; start += bucket)
        {
            int end = Math.Min(samples.Length, start + bucket);
            float min = float.MaxValue, max = float.MinValue;
            for (int i = start; i < end; i++) { min = Math.Min(min, samples[i]); max = Math.Max(max, samples[i]); }
            double t = start / (double)sampleRate;
            x.Add(t); y.Add(min);
            x.Add(t); y.Add(max);
        }
        var chart = PlotlyChart.Line<double, double, string>(x: x, y: y, Name: "amplitude")
            .WithXAxisStyle<double, double, string>(TitleText: "time (s)")
            .WithYAxisStyle<double, double, string>(TitleText: "amplitude");
        return new Figure(WithTitle(chart, title), height: 250);
    }

    // The C# package has no WithTitle; Plotly.NET's F# API returns a function to apply.
    static GenericChart WithTitle(GenericChart chart, string title) =>
        Plotly.NET.Chart.withTitle(title, FSharpOption<Font>.None).Invoke(chart);
}
