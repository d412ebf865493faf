using Parp.Data.Corpora;

namespace Parp.Plots;

/// <summary>Figures about the generated corpora.</summary>
public static class CorpusPlots
{
    /// <summary>Hours of speech per language, one column per split (10min is part of 1h and left out).</summary>
    public static Figure HoursPerSplit(IReadOnlyList<SplitSummary> summary, string title = "Hours of generated speech per split") =>
        Charts.Columns(title, "language", "hours",
            CorpusRecipe.Splits.Where(split => split != "10min").Select(split =>
            {
                var rows = summary.Where(s => s.Split == split).ToList();
                return (split, rows.Select(s => s.Language), rows.Select(s => s.Hours));
            }));
}
