namespace Parp.Data.Corpora;

/// <summary>
/// The notebook entry point: make sure the generated corpora of a scale exist in the cache, regenerating
/// from the committed manifests whatever is missing. A notebook cell is one line:
/// <code>GeneratedCorpora.Ensure("tiny", ["en", "es"], progress: new Progress&lt;CorpusProgress&gt;(p => display.Update(p.ToString())));</code>
/// </summary>
public static class GeneratedCorpora
{
    public static List<GenerationReport> Ensure(string scale = "tiny", IEnumerable<string>? languages = null, int parallelism = 0,
        IProgress<CorpusProgress>? progress = null, CorpusPaths? paths = null)
    {
        if (!EspeakSynthesizer.IsAvailable)
            throw new InvalidOperationException("generating the corpora needs espeak-ng (Debian/Ubuntu: apt-get install espeak-ng)");
        paths ??= CorpusPaths.Default();
        var generator = new CorpusGenerator(paths, parallelism, progress);
        var reports = new List<GenerationReport>();
        foreach (var code in languages ?? CorpusLanguage.All.Select(l => l.Code))
        {
            var corpus = CorpusRecipe.ForScale(scale, code).Name;
            foreach (var split in CorpusRecipe.Splits)
                reports.Add(generator.Generate(corpus, code, split));
        }
        return reports;
    }

    /// <summary>The transcripts of a generated split: extension "wrd" (words), "ltr" (English letters) or "phn" (IPA phones).</summary>
    public static IReadOnlyList<string> Labels(string scale, string language, string split, string extension, CorpusPaths? paths = null)
    {
        paths ??= CorpusPaths.Default();
        var folder = paths.ManifestDir(CorpusRecipe.ForScale(scale, language).Name, language);
        return LabelFile.Read(Path.Combine(folder, $"{split}.{extension}"));
    }

    /// <summary>The fairseq manifest of a generated split, its root resolved to the cache.</summary>
    public static Manifest Manifest(string scale, string language, string split, CorpusPaths? paths = null) =>
        new CorpusGenerator(paths ?? CorpusPaths.Default()).Manifest(CorpusRecipe.ForScale(scale, language).Name, language, split);
}
