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

    /// <summary>Saves a table as <c>FOLDER/NAME.csv</c>.</summary>
    public static string SaveTable(string folder, string name, DataFrame frame)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name + ".csv");
        Parp.IO.AtomicFile.WriteVia(path, temp => DataFrame.SaveCsv(frame, temp, encoding: new System.Text.UTF8Encoding(false), cultureInfo: System.Globalization.CultureInfo.InvariantCulture));
        return path;
    }
}
