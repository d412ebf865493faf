namespace Parp.Plots;

/// <summary>
/// plotly.js as Plotly.NET ships it (an embedded resource of Plotly.NET.dll), so that reports and saved
/// figures work offline. Charts load it from the CDN only where a page does not already have it.
/// </summary>
public static class PlotlyJs
{
    static readonly Lazy<(string Version, string Source)> Embedded = new(Load);

    /// <summary>The plotly.js version Plotly.NET renders with, e.g. "2.28.0".</summary>
    public static string Version => Embedded.Value.Version;

    /// <summary>The minified plotly.js source (about 3.6 MB).</summary>
    public static string Source => Embedded.Value.Source;

    public static string CdnUrl => $"https://cdn.plot.ly/plotly-{Version}.min.js";

    static (string, string) Load()
    {
        var assembly = typeof(Plotly.NET.GenericChart).Assembly;
        var name = assembly.GetManifestResourceNames()
            .FirstOrDefault(n => n.StartsWith("Plotly.NET.plotly-", StringComparison.Ordinal) && n.EndsWith(".min.js", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"{assembly.Location} holds no plotly-*.min.js resource; cannot embed plotly.js.");
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        var version = name["Plotly.NET.plotly-".Length..^".min.js".Length];
        return (version, reader.ReadToEnd());
    }
}
