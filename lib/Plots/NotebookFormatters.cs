using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Data.Analysis;
using Microsoft.DotNet.Interactive.Formatting;

namespace Parp.Plots;

/// <summary>
/// Teaches the notebook kernel to show figures as charts, audio clips as players and DataFrames as HTML tables. It runs by itself
/// when a notebook first touches the library (a module initializer), so notebooks need no set-up cell, in
/// the project's host, in Jupyter and in VS Code alike. (Figure is deliberately no IHtmlContent: that would
/// tie the library's public types to the kernel's own ASP.NET assembly version and warn in every cell.)
/// </summary>
public static class NotebookFormatters
{
    public const int MaxRows = 60;

#pragma warning disable CA2255 // deliberate: registering display formatters is what loading the library into a kernel should do
    [ModuleInitializer]
    internal static void RegisterOnLoad()
    {
        // Outside a notebook kernel (tests, console tools) formatters are harmless; a kernel whose
        // Formatting API differs must never make the library itself fail to load.
        try { Register(); }
        catch (Exception e) when (e is MissingMethodException or TypeLoadException or FileNotFoundException or FileLoadException) { }
    }
#pragma warning restore CA2255

    public static void Register()
    {
        Formatter.Register<Figure>((figure, writer) => writer.Write(figure.ToHtmlFragment()), "text/html");
        Formatter.Register<AudioClip>((clip, writer) => writer.Write(clip.ToHtmlFragment()), "text/html");
        Formatter.Register<DataFrame>((frame, writer) => writer.Write(ToHtml(frame)), "text/html");
    }

    /// <summary>A DataFrame as an HTML table: the header, up to <see cref="MaxRows"/> rows, and the count left out.</summary>
    public static string ToHtml(DataFrame frame, int maxRows = MaxRows)
    {
        var html = new StringBuilder("<table class=\"parp-dataframe\"><thead><tr>");
        foreach (var column in frame.Columns) html.Append("<th>").Append(WebUtility.HtmlEncode(column.Name)).Append("</th>");
        html.Append("</tr></thead><tbody>");
        long shown = Math.Min(frame.Rows.Count, maxRows);
        for (long r = 0; r < shown; r++)
        {
            html.Append("<tr>");
            foreach (var column in frame.Columns)
                html.Append("<td>").Append(WebUtility.HtmlEncode(Convert.ToString(column[r], System.Globalization.CultureInfo.InvariantCulture) ?? "")).Append("</td>");
            html.Append("</tr>");
        }
        html.Append("</tbody></table>");
        if (frame.Rows.Count > shown) html.Append($"<p><i>{frame.Rows.Count - shown} more rows of {frame.Rows.Count}</i></p>");
        return html.ToString();
    }
}
