using Microsoft.Data.Analysis;
using Parp.Experiments;

namespace Parp.Plots;

/// <summary>
/// What a notebook leaves in <c>experiments/NAME/</c> of the artifacts folder (<see cref="Parp.IO.Artifacts.Experiment"/>): <c>results.csv</c>, each figure as an offline HTML
/// page and, where Chromium is installed, a PNG, and any table as CSV. Every file is written atomically.
/// </summary>
public static class ExperimentOutputs
{
    /// <summary>Saves the results (when there are any) and the figures; returns the files written.</summary>
    public static List<string> Save(string folder, IReadOnlyList<RunResult> results, params (string Name, Figure Figure, string Title)[] figures)
    {
        var written = new List<string>();
        if (results.Count == 0) return written;      // a dry run: nothing measured, nothing to save
        Directory.CreateDirectory(folder);
        var csv = Path.Combine(folder, "results.csv");
        ResultTables.SaveCsv(results, csv);
        written.Add(csv);
        foreach (var (name, figure, title) in figures) written.AddRange(figure.Save(folder, name, title));
        return written;
    }

    /// <summary>Saves a table as <c>FOLDER/NAME.csv</c> (UTF-8, invariant culture, numbers in their shortest exact form:
    /// 42.01, not DataFrame.SaveCsv's 42.009999999999998).</summary>
    public static string SaveTable(string folder, string name, DataFrame frame)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name + ".csv");
        static string Cell(object? value) => ResultTables.Quote(value switch
        {
            null => "",
            double d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
            float f => f.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
            IFormattable x => x.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        });
        var lines = new List<string> { string.Join(',', frame.Columns.Select(c => Cell(c.Name))) };
        for (long row = 0; row < frame.Rows.Count; row++)
            lines.Add(string.Join(',', frame.Columns.Select(c => Cell(c[row]))));
        Parp.IO.AtomicFile.WriteAllLines(path, lines);
        return path;
    }
}
