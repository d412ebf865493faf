using Plotly.NET;
using Plotly.NET.CSharp;
using Microsoft.FSharp.Core;
using PlotlyChart = Plotly.NET.CSharp.Chart;

namespace Parp.Plots;

/// <summary>A named sequence of (x, y) points.</summary>
public sealed record Series(string Name, IEnumerable<double> X, IEnumerable<double> Y);

/// <summary>The project's chart shapes, built with Plotly.NET and returned as displayable figures.</summary>
public static class Charts
{
    /// <summary>One line (with markers) per series.</summary>
    public static Figure Lines(string title, string xTitle, string yTitle, IEnumerable<Series> series, bool logX = false)
    {
        var traces = series.Select(s => PlotlyChart.Line<double, double, string>(
            x: s.X.ToArray(), y: s.Y.ToArray(), Name: s.Name, ShowMarkers: true));
        var chart = PlotlyChart.Combine(traces)
            .WithXAxisStyle<double, double, string>(TitleText: xTitle, AxisType: logX ? StyleParam.AxisType.Log : StyleParam.AxisType.Linear)
            .WithYAxisStyle<double, double, string>(TitleText: yTitle);
        return new Figure(WithTitle(chart, title));
    }

    // The C# package has no WithTitle; Plotly.NET's F# API returns a function to apply.
    static GenericChart WithTitle(GenericChart chart, string title) =>
        Plotly.NET.Chart.withTitle(title, FSharpOption<Font>.None).Invoke(chart);
}
