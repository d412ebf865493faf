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
    /// <param name="modeBar">Plotly's toolbar (zoom, pan, download); left out of still images.</param>
    public string ToHtmlFragment(bool modeBar = true)
    {
        var id = "parp-figure-" + Guid.NewGuid().ToString("N");
        return $$$"""
            <div id="{{{id}}}" class="parp-figure" style="width:100%;height:{{{Height}}}px;"></div>
            <script type="text/javascript">
            (function () {
              var figure = {{{ToFigureJson()}}};
              // The div sets the size: let the chart fill its width.
              delete figure.layout.width; delete figure.layout.height; figure.layout.autosize = true;
              function draw(Plotly) { Plotly.newPlot('{{{id}}}', figure.data, figure.layout, {responsive: true, displayModeBar: {{{(modeBar ? "'hover'" : "false")}}}}); }
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
    public void SaveHtml(string path, string? title = null) => SavePage(path, title, modeBar: true);

    void SavePage(string path, string? title, bool modeBar)
    {
        var page = $"""
            <!DOCTYPE html>
            <html><head><meta charset="utf-8"><title>{HtmlEncoder.Default.Encode(title ?? Path.GetFileNameWithoutExtension(path))}</title>
            <script type="text/javascript">{PlotlyJs.Source}</script></head>
            <body>{ToHtmlFragment(modeBar)}</body></html>
            """;
        AtomicFile.WriteAllText(path, page);
    }

    /// <summary>Saves <c>FOLDER/NAME.html</c> and, where Chromium is installed, <c>FOLDER/NAME.png</c>; returns the files written.</summary>
    public List<string> Save(string folder, string name, string? title = null)
    {
        var html = Path.Combine(folder, name + ".html");
        SaveHtml(html, title);
        var png = Path.Combine(folder, name + ".png");
        return SavePng(png) ? [html, png] : [html];
    }

    /// <summary>
    /// Saves a PNG of the chart by opening its offline page in headless Chromium (Debian's <c>chromium</c>), when one is
    /// installed; returns false (and writes nothing) when none is. The image is written atomically.
    /// </summary>
    public bool SavePng(string path, int width = 1000)
    {
        var browser = new[] { "chromium", "chromium-browser", "google-chrome" }.Select(Parp.Audio.ExternalProgram.Locate).FirstOrDefault(p => p is not null);
        if (browser is null) return false;
        var work = Directory.CreateTempSubdirectory("parp-figure-");
        try
        {
            var page = Path.Combine(work.FullName, "figure.html");
            SavePage(page, null, modeBar: false);
            var png = Path.Combine(work.FullName, "figure.png");
            var result = Parp.Audio.ExternalProgram.Run(browser, ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                $"--user-data-dir={Path.Combine(work.FullName, "profile")}", "--virtual-time-budget=5000",
                $"--window-size={width},{Height + 40}", $"--screenshot={png}", new Uri(page).AbsoluteUri], "apt-get install chromium");
            if (result.ExitCode != 0 || !File.Exists(png))
                throw new IOException($"{browser} could not draw {path} (exit {result.ExitCode}): {result.Stderr.Trim()}");
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            AtomicFile.WriteVia(path, temp => File.Copy(png, temp, overwrite: true));
            return true;
        }
        finally { work.Delete(recursive: true); }
    }

    public override string ToString() => $"Figure ({GenericChart.toFigureJson(Chart).Length} bytes of plotly JSON)";
}
