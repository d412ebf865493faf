using Microsoft.Data.Analysis;

namespace Parp.Data.Corpora;

/// <summary>One split of a generated corpus, from its committed manifest (no audio needed).</summary>
public sealed record SplitSummary(string Language, string Split, string Targets, int Utterances, double Hours, double MeanSeconds);

/// <summary>How much speech each generated split holds: true durations from the manifests' sample counts.</summary>
public static class CorpusSummary
{
    const double SampleRate = 16000;

    public static IReadOnlyList<SplitSummary> Of(string scale, IEnumerable<string>? languages = null, CorpusPaths? paths = null)
    {
        var result = new List<SplitSummary>();
        foreach (var code in languages ?? CorpusLanguage.All.Select(l => l.Code))
        {
            var language = CorpusLanguage.Get(code);
            foreach (var split in CorpusRecipe.Splits)
            {
                var manifest = GeneratedCorpora.Manifest(scale, code, split, paths);
                double seconds = manifest.TotalSamples / SampleRate;
                result.Add(new SplitSummary(code, split, language.Targets == TargetKind.Letters ? "letters" : "phones",
                    manifest.Count, seconds / 3600, manifest.Count == 0 ? 0 : seconds / manifest.Count));
            }
        }
        return result;
    }

    /// <summary>One row per language: hours per split (and utterances in all splits), for reading at a glance.</summary>
    public static DataFrame ToDataFrame(IEnumerable<SplitSummary> splits)
    {
        var byLanguage = splits.GroupBy(s => s.Language).ToList();
        var columns = new List<DataFrameColumn>
        {
            new StringDataFrameColumn("language", byLanguage.Select(g => g.Key)),
            new StringDataFrameColumn("targets", byLanguage.Select(g => g.First().Targets)),
        };
        foreach (var split in CorpusRecipe.Splits)
            columns.Add(new DoubleDataFrameColumn($"{split} (h)", byLanguage.Select(g => Math.Round(g.Where(s => s.Split == split).Sum(s => s.Hours), 3))));
        // 10min lies inside 1h: count its utterances once.
        columns.Add(new Int32DataFrameColumn("utterances", byLanguage.Select(g => g.Where(s => s.Split != "10min").Sum(s => s.Utterances))));
        columns.Add(new DoubleDataFrameColumn("mean utterance (s)", byLanguage.Select(g =>
            Math.Round(g.Where(s => s.Split != "10min").Sum(s => s.Hours * 3600) / Math.Max(1, g.Where(s => s.Split != "10min").Sum(s => s.Utterances)), 2))));
        return new DataFrame(columns);
    }
}
