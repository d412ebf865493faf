using System.Text.Encodings.Web;
using Parp.IO;
using Plotly.NET;

namespace Parp.Plots;

/// <summary>
/// A Plotly.NET chart that displays as HTML in any .NET Interactive host (see <see cref="NotebookFormatters"/>)
/// and saves itself as an offline page.
/// The HTML draws with the page's plotly.js when it has one (the report embeds it once) and otherwise
/// loads it from the CDN, through require.js where the page uses it (classic Jupyter).
/// </summary>
public sealed class Figure
{
    public Figure(GenericChart chart, int height = 450)
    {
        Chart = chart;
        Height = height;
    }

    public GenericChart Chart { get; }
    public int Height { get; }

    /// <summary>The chart as plotly.js figure JSON ({"data": [...], "layout": {...}}).</summary>
    public string ToFigureJson() => GenericChart.toFigureJson(Chart);

    /// <summary>A div and a script that draws the chart into it.</summary>
    public string ToHtmlFragment()
    {
        var id = "parp-figure-" + Guid.NewGuid().ToString("N");
        return $$$"""
            <div id="{{{id}}}" class="parp-figure" style="width:100%;height:{{{Height}}}px;"></div>
            <script type="text/javascript">
            (function () {
              var figure = {{{ToFigureJson()}}};
              // The div sets the size: let the chart fill its width.
              delete figure.layout.width; delete figure.layout.height; figure.layout.autosize = true;
              function draw(Plotly) { Plotly.newPlot('{{{id}}}', figure.data, figure.layout, {responsive: true}); }
              if (window.Plotly) { draw(window.Plotly); return; }
              if (typeof require === 'function' && require.config) {
                require.config({paths: {plotly: '{{{PlotlyJs.CdnUrl[..^3]}}}'}});
                require(['plotly'], function (Plotly) { window.Plotly = Plotly; draw(Plotly); });
                return;
              }
              window.parpPlotlyLoading = window.parpPlotlyLoading || new Promise(function (resolve, reject) {
                var script = document.createElement('script');
                script.src = '{{{PlotlyJs.CdnUrl}}}';
                script.onload = function () { resolve(window.Plotly); };
                script.onerror = reject;
                document.head.appendChild(script);
              });
              window.parpPlotlyLoading.then(draw);
            })();
            </script>
            """;
    }

    /// <summary>A standalone page with plotly.js embedded: opens offline. Written atomically.</summary>
    public void SaveHtml(string path, string? title = null)
    {
        var page = $"""
            <!DOCTYPE html>
            <html><head><meta charset="utf-8"><title>{HtmlEncoder.Default.Encode(title ?? Path.GetFileNameWithoutExtension(path))}</title>
            <script type="text/javascript">{PlotlyJs.Source}</script></head>
            <body>{ToHtmlFragment()}</body></html>
            """;
        AtomicFile.WriteAllText(path, page);
    }

    public override string ToString() => $"Figure ({GenericChart.toFigureJson(Chart).Length} bytes of plotly JSON)";
}
