using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Parp.IO;

namespace Parp.Training;

/// <summary>
/// The metrics of a run as JSON lines (<c>{"update": 10, "loss": 3.2, "lr": 1e-4, ...}</c>), appended and flushed row by
/// row so a crash loses at most the row being written and a notebook can plot a run that is still going.
/// </summary>
public sealed class MetricsLog : IDisposable
{
    readonly StreamWriter _writer;
    public string Path { get; }

    /// <summary>
    /// Opens <paramref name="path"/> for appending. <paramref name="resumeAtUpdate"/>: rows of updates after it were
    /// written by the interrupted run after its last checkpoint and are redone, so they are dropped first (atomically).
    /// </summary>
    public MetricsLog(string path, int? resumeAtUpdate = null)
    {
        Path = path;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        if (resumeAtUpdate is int u && File.Exists(path))
        {
            var keep = File.ReadAllLines(path).Where(l => ParseLine(l) is { } row && row.GetValueOrDefault("update", 0) <= u).ToList();
            AtomicFile.WriteAllLines(path, keep);
        }
        else if (resumeAtUpdate is null && File.Exists(path)) File.Delete(path); // a fresh run starts a fresh log
        _writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read)) { NewLine = "\n" };
    }

    public void Write(IReadOnlyDictionary<string, double> row)
    {
        var obj = new JsonObject();
        foreach (var (k, v) in row) obj[k] = double.IsFinite(v) ? JsonValue.Create(v) : JsonValue.Create(v.ToString(CultureInfo.InvariantCulture));
        _writer.WriteLine(obj.ToJsonString());
        _writer.Flush();
    }

    public void Dispose() => _writer.Dispose();

    /// <summary>Every row of a log, as name → value (NaN and infinities come back as such). A torn last line is skipped.</summary>
    public static List<Dictionary<string, double>> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"metrics log not found: {path}", path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var rows = new List<Dictionary<string, double>>();
        while (reader.ReadLine() is { } line)
            if (ParseLine(line) is { } row) rows.Add(row);
        return rows;
    }

    /// <summary>One column of the rows that have it, as (update, value) pairs, for a training-curve plot.</summary>
    public static (double[] updates, double[] values) Series(IEnumerable<Dictionary<string, double>> rows, string name)
    {
        var pairs = rows.Where(r => r.ContainsKey(name) && r.ContainsKey("update")).Select(r => (r["update"], r[name])).ToArray();
        return (pairs.Select(p => p.Item1).ToArray(), pairs.Select(p => p.Item2).ToArray());
    }

    static Dictionary<string, double>? ParseLine(string line)
    {
        if (string.IsNullOrWhiteSpace(line)) return null;
        try
        {
            if (JsonNode.Parse(line) is not JsonObject obj) return null;
            var row = new Dictionary<string, double>();
            foreach (var (k, v) in obj)
                if (v is JsonValue value)
                    row[k] = value.GetValueKind() == JsonValueKind.String
                        ? double.Parse(value.GetValue<string>(), CultureInfo.InvariantCulture)
                        : value.GetValue<double>();
            return row;
        }
        catch (JsonException) { return null; } // the line a crash cut short
    }
}
