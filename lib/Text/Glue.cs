using System.Globalization;

namespace Parp.Text;

/// <summary>One example of a GLUE task: one or two texts and a label (a class index, or a score for STS-B).</summary>
public sealed record GlueExample(string TextA, string? TextB, double Label);

/// <summary>
/// The GLUE tasks as their TSV files lay them out (the layout transformers' GLUE processors read): which columns hold the
/// texts and the label, whether the file has a header, the label names, and the task's metrics. A task is read from its
/// folder (<c>CoLA/train.tsv</c>, <c>MNLI/dev_matched.tsv</c>, ...).
/// </summary>
/// <param name="Name">CoLA, SST-2, MRPC, STS-B, QQP, MNLI, QNLI or RTE.</param>
/// <param name="TextA">Column of the first text.</param>
/// <param name="TextB">Column of the second text; null for one-text tasks.</param>
/// <param name="LabelColumn">Column of the label; negative counts from the end (MNLI's gold label is the last column).</param>
/// <param name="Header">Whether the first line names the columns (CoLA's train and dev files have none).</param>
/// <param name="Labels">The label names in class order; empty for regression (STS-B).</param>
/// <param name="Metrics">The task's metrics (<see cref="GlueMetrics"/>), the first the one reported.</param>
public sealed record GlueTask(string Name, int TextA, int? TextB, int LabelColumn, bool Header, IReadOnlyList<string> Labels, IReadOnlyList<string> Metrics)
{
    public static readonly GlueTask CoLA = new("CoLA", 3, null, 1, false, ["0", "1"], ["matthews"]);
    public static readonly GlueTask Sst2 = new("SST-2", 0, null, 1, true, ["0", "1"], ["accuracy"]);
    public static readonly GlueTask Mrpc = new("MRPC", 3, 4, 0, true, ["0", "1"], ["f1", "accuracy"]);
    public static readonly GlueTask StsB = new("STS-B", 7, 8, -1, true, [], ["pearson", "spearman"]);
    public static readonly GlueTask Qqp = new("QQP", 3, 4, 5, true, ["0", "1"], ["f1", "accuracy"]);
    public static readonly GlueTask Mnli = new("MNLI", 8, 9, -1, true, ["contradiction", "entailment", "neutral"], ["accuracy"]);
    public static readonly GlueTask Qnli = new("QNLI", 1, 2, 3, true, ["entailment", "not_entailment"], ["accuracy"]);
    public static readonly GlueTask Rte = new("RTE", 1, 2, 3, true, ["entailment", "not_entailment"], ["accuracy"]);

    public static IReadOnlyList<GlueTask> All { get; } = [CoLA, Sst2, Mrpc, StsB, Qqp, Mnli, Qnli, Rte];

    /// <summary>The task named <paramref name="name"/> (case-insensitive; "SST2" and "STSB" too).</summary>
    public static GlueTask Named(string name) =>
        All.FirstOrDefault(t => string.Equals(t.Name.Replace("-", ""), name.Replace("-", ""), StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"GLUE task '{name}': allowed: {string.Join(", ", All.Select(t => t.Name))}");

    /// <summary>True for STS-B: the label is a similarity score and the model has one output.</summary>
    public bool IsRegression => Labels.Count == 0;

    /// <summary>The classifier's outputs: one for regression, else one per label.</summary>
    public int NumLabels => IsRegression ? 1 : Labels.Count;

    /// <summary>
    /// The labelled examples of <paramref name="file"/> (a train or dev TSV of this task). Fields are split on tabs
    /// only, with no quoting, as GLUE's files are written. A line with too few fields, or a label that is not one of the
    /// task's, is an error naming the file, the line and the problem.
    /// </summary>
    public List<GlueExample> Read(string file)
    {
        if (!File.Exists(file)) throw new FileNotFoundException($"{file}: no such {Name} file", file);
        var examples = new List<GlueExample>();
        int lineNumber = 0;
        foreach (var line in File.ReadLines(file))
        {
            lineNumber++;
            if (lineNumber == 1 && Header) continue;
            if (line.Length == 0) continue;
            var fields = line.Split('\t');
            int label = LabelColumn < 0 ? fields.Length + LabelColumn : LabelColumn;
            int needed = Math.Max(Math.Max(TextA, TextB ?? 0), LabelColumn < 0 ? 0 : LabelColumn) + 1;
            if (fields.Length < needed || label < 0)
                throw new FormatException($"{file}, line {lineNumber}: {fields.Length} tab-separated field(s), {Name} needs at least {needed}");
            examples.Add(new GlueExample(fields[TextA], TextB is int b ? fields[b] : null, LabelValue(fields[label].Trim(), file, lineNumber)));
        }
        return examples;
    }

    double LabelValue(string text, string file, int line)
    {
        if (IsRegression)
            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var score)
                ? score : throw new FormatException($"{file}, line {line}: score '{text}' is not a number");
        int index = Labels.ToList().IndexOf(text);
        return index >= 0 ? index : throw new FormatException($"{file}, line {line}: label '{text}' is not one of {string.Join(", ", Labels)}");
    }

    /// <summary>The task's metrics of <paramref name="predictions"/> against <paramref name="labels"/> (class indices, or
    /// scores for STS-B), in percent as GLUE reports them, by metric name.</summary>
    public Dictionary<string, double> Score(IReadOnlyList<double> predictions, IReadOnlyList<double> labels) =>
        Metrics.ToDictionary(m => m, m => 100 * GlueMetrics.Of(m, predictions, labels));
}

/// <summary>The GLUE metrics, as scikit-learn and scipy compute them (transformers' glue_compute_metrics).</summary>
public static class GlueMetrics
{
    public static double Of(string metric, IReadOnlyList<double> predictions, IReadOnlyList<double> labels)
    {
        if (predictions.Count != labels.Count) throw new ArgumentException($"{predictions.Count} predictions for {labels.Count} labels");
        if (labels.Count == 0) throw new ArgumentException("no examples to score");
        return metric switch
        {
            "accuracy" => predictions.Zip(labels).Count(p => p.First == p.Second) / (double)labels.Count,
            "f1" => F1(predictions, labels),
            "matthews" => Matthews(predictions, labels),
            "pearson" => Pearson(predictions, labels),
            "spearman" => Pearson(Ranks(predictions), Ranks(labels)),
            _ => throw new ArgumentException($"metric '{metric}': accuracy, f1, matthews, pearson, spearman"),
        };
    }

    // F1 of class 1 (the positive class of MRPC and QQP); 0 when there is no true positive.
    static double F1(IReadOnlyList<double> predictions, IReadOnlyList<double> labels)
    {
        int tp = 0, fp = 0, fn = 0;
        for (int i = 0; i < labels.Count; i++)
        {
            bool p = predictions[i] == 1, l = labels[i] == 1;
            if (p && l) tp++;
            else if (p) fp++;
            else if (l) fn++;
        }
        return tp == 0 ? 0 : 2.0 * tp / (2.0 * tp + fp + fn);
    }

    // Matthews correlation of two binary labellings; 0 when either is constant (scikit-learn's convention).
    static double Matthews(IReadOnlyList<double> predictions, IReadOnlyList<double> labels)
    {
        double tp = 0, tn = 0, fp = 0, fn = 0;
        for (int i = 0; i < labels.Count; i++)
        {
            bool p = predictions[i] == 1, l = labels[i] == 1;
            if (p && l) tp++; else if (!p && !l) tn++; else if (p) fp++; else fn++;
        }
        double denominator = Math.Sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn));
        return denominator == 0 ? 0 : (tp * tn - fp * fn) / denominator;
    }

    static double Pearson(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        double mx = x.Average(), my = y.Average();
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < x.Count; i++)
        {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxx == 0 || syy == 0 ? double.NaN : sxy / Math.Sqrt(sxx * syy);
    }

    // Ranks from 1, ties sharing their average rank (scipy's rankdata "average").
    static double[] Ranks(IReadOnlyList<double> values)
    {
        var order = Enumerable.Range(0, values.Count).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Count];
        for (int start = 0; start < order.Length;)
        {
            int end = start;
            while (end + 1 < order.Length && values[order[end + 1]] == values[order[start]]) end++;
            double rank = (start + end) / 2.0 + 1;
            for (int k = start; k <= end; k++) ranks[order[k]] = rank;
            start = end + 1;
        }
        return ranks;
    }
}
