using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Markdig;
using Parp.IO;
using Parp.Plots;

namespace Parp.Notebooks;

/// <summary>
/// One self-contained HTML page for all executed notebooks: markdown rendered, code shown, outputs as
/// the kernel produced them. plotly.js is embedded once in the head, so every chart draws offline.
/// </summary>
public static class HtmlReport
{
    static readonly MarkdownPipeline Markdown = new MarkdownPipelineBuilder().UseAdvancedExtensions().Build();

    public static void Write(string path, IReadOnlyList<NotebookRun> runs, HostOptions options, DateTimeOffset started)
    {
        var html = new StringBuilder();
        int passed = runs.Count(r => r.Succeeded);
        html.Append($"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <title>PARP notebooks: {options.Scale} scale</title>
            <style>{Style}</style>
            <script type="text/javascript">/* plotly.js {PlotlyJs.Version}, embedded once for every chart below */
            {PlotlyJs.Source}</script>
            </head><body>
            <header><h1>PARP notebooks</h1>
            <p>Scale <b>{options.Scale}</b> · started {started:yyyy-MM-dd HH:mm:ss} UTC · {passed} of {runs.Count} notebooks ran to the end</p>
            <ol class="toc">
            """);
        foreach (var run in runs)
        {
            var status = run.Failure is { } f ? $"<span class=\"failed\">failed at cell {f.CellNumber}</span>" : "<span class=\"ok\">ok</span>";
            html.Append($"<li><a href=\"#{Anchor(run.Notebook.Name)}\">{Encode(run.Notebook.Name)}</a> · {status} · {run.Elapsed.TotalSeconds:F1} s</li>\n");
        }
        html.Append("</ol></header>\n");

        foreach (var run in runs)
        {
            html.Append($"<section class=\"notebook\" id=\"{Anchor(run.Notebook.Name)}\"><h1 class=\"notebook-name\">{Encode(run.Notebook.Name)}</h1>\n");
            if (run.Failure is { } failure)
                html.Append($"<p class=\"failed\">This notebook stopped at cell {failure.CellNumber}; the cells after it did not run.</p>\n");
            for (int index = 0; index < run.Notebook.Cells.Count; index++)
            {
                var cell = (JsonObject)run.Notebook.Cells[index]!;
                int number = run.Notebook.CellNumber(index);
                var source = NotebookDocument.SourceOf(cell);
                switch (NotebookDocument.TypeOf(cell))
                {
                    case "markdown":
                        html.Append("<div class=\"markdown\">").Append(Markdig.Markdown.ToHtml(source, Markdown)).Append("</div>\n");
                        break;
                    case "code":
                        var label = NotebookDocument.HasTag(cell, NotebookParameters.InjectedTag) ? " · injected parameters" : "";
                        html.Append($"<div class=\"cell\"><div class=\"prompt\">cell {number}{label}</div><pre class=\"code\">{Encode(source)}</pre>\n");
                        if (cell["outputs"] is JsonArray outputs)
                            foreach (var output in outputs) AppendOutput(html, (JsonObject)output!);
                        html.Append("</div>\n");
                        break;
                }
            }
            html.Append("</section>\n");
        }
        html.Append("</body></html>\n");
        AtomicFile.WriteAllText(path, html.ToString());
    }

    static void AppendOutput(StringBuilder html, JsonObject output)
    {
        switch (output["output_type"]?.GetValue<string>())
        {
            case "stream":
                var css = output["name"]?.GetValue<string>() == "stderr" ? "stderr" : "stdout";
                html.Append($"<pre class=\"{css}\">{Encode(Text(output["text"]))}</pre>\n");
                break;
            case "error":
                html.Append($"<pre class=\"error\">{Encode(output["ename"]?.GetValue<string>() + ": " + output["evalue"]?.GetValue<string>())}</pre>\n");
                break;
            case "display_data" or "execute_result" when output["data"] is JsonObject data:
                html.Append("<div class=\"output\">");
                if (data["text/html"] is { } h) html.Append(Text(h));
                else if (data["image/png"] is { } png) html.Append($"<img src=\"data:image/png;base64,{Text(png).Replace("\n", "")}\">");
                else if (data["image/svg+xml"] is { } svg) html.Append(Text(svg));
                else if (data["text/markdown"] is { } md) html.Append(Markdig.Markdown.ToHtml(Text(md), Markdown));
                else if (data["text/plain"] is { } plain) html.Append($"<pre>{Encode(Text(plain))}</pre>");
                html.Append("</div>\n");
                break;
        }
    }

    static string Text(JsonNode? node) => node switch
    {
        JsonArray lines => string.Concat(lines.Select(l => l?.GetValue<string>())),
        JsonValue value => value.GetValue<string>(),
        _ => "",
    };

    static string Encode(string? text) => WebUtility.HtmlEncode(text ?? "");
    static string Anchor(string name) => "nb-" + new string(name.Select(c => char.IsLetterOrDigit(c) ? c : '-').ToArray());

    const string Style = """
        body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }
        header { border-bottom: 2px solid #ddd; margin-bottom: 2em; }
        .toc li { margin: .2em 0; }
        .ok { color: #1a7f37; } .failed { color: #cf222e; font-weight: bold; }
        section.notebook { border-top: 1px solid #ccc; padding-top: 1em; margin-top: 3em; }
        .notebook-name { font-size: 1.1em; color: #555; font-family: monospace; }
        .cell { margin: 1em 0; }
        .prompt { font-size: .75em; color: #888; font-family: monospace; }
        pre { background: #f6f8fa; padding: .6em; overflow-x: auto; font-size: .85em; border-radius: 4px; }
        pre.code { border-left: 3px solid #0969da; }
        pre.stdout { background: #fff; border-left: 3px solid #ddd; }
        pre.stderr { background: #fff8c5; }
        pre.error { background: #ffebe9; color: #82071e; }
        .output { margin: .5em 0; overflow-x: auto; }
        table { border-collapse: collapse; font-size: .85em; } td, th { border: 1px solid #ddd; padding: .2em .5em; }
        """;
}
