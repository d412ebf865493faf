using Parp.Audio;
using Parp.Data;
using Parp.Data.Corpora;

namespace Parp.Training;

/// <summary>A labelled split with its vocabulary and how its transcripts read (letters or phones).</summary>
public sealed record LabelledData(SpeechDataset Dataset, Vocabulary Vocabulary, TranscriptKind Kind, string Description)
{
    /// <summary>
    /// A split of a manifest folder in the fairseq layout: <c>SPLIT.tsv</c> with <c>SPLIT.ltr</c> (letters) or
    /// <c>SPLIT.phn</c> (phones), and <c>vocab.json</c> or <c>dict.ltr.txt</c>/<c>dict.phn.txt</c> for the vocabulary.
    /// </summary>
    public static LabelledData Open(string manifestDir, string split, bool normalizeAudio, string? relativeRootBase = null)
    {
        var tsv = Path.Combine(manifestDir, $"{split}.tsv");
        if (!File.Exists(tsv)) throw new FileNotFoundException($"manifest not found: {tsv}", tsv);
        bool letters = File.Exists(Path.Combine(manifestDir, $"{split}.ltr"));
        if (!letters && !File.Exists(Path.Combine(manifestDir, $"{split}.phn")))
            throw new FileNotFoundException($"no labels for {tsv}: expected {split}.ltr (letters) or {split}.phn (phones) beside it");
        var ext = letters ? "ltr" : "phn";
        var vocabJson = Path.Combine(manifestDir, "vocab.json");
        var dict = Path.Combine(manifestDir, $"dict.{ext}.txt");
        var vocabulary = File.Exists(vocabJson) ? Vocabulary.LoadHfJson(vocabJson)
            : File.Exists(dict) ? Vocabulary.LoadFairseqDict(dict)
            : throw new FileNotFoundException($"no vocabulary in {manifestDir}: expected vocab.json or dict.{ext}.txt");
        var options = AudioLoadOptions.Default with { Normalize = normalizeAudio };
        var dataset = SpeechDataset.Open(tsv, vocabulary, ext, options, relativeRootBase);
        if (dataset.Count == 0) throw new ArgumentException($"{tsv} lists no utterances");
        return new LabelledData(dataset, vocabulary, letters ? TranscriptKind.Letters : TranscriptKind.Phones, tsv);
    }

    /// <summary>A split of a generated corpus (scale smoke or tiny), its audio regenerated into the cache when missing.</summary>
    public static LabelledData Generated(string scale, string language, string split, bool normalizeAudio = true, CorpusPaths? paths = null)
    {
        paths ??= CorpusPaths.Default();
        EnsureAudio(scale, language, paths);
        var corpus = CorpusRecipe.ForScale(scale, language).Name;
        return Open(paths.ManifestDir(corpus, language), split, normalizeAudio, paths.CacheRoot);
    }

    /// <summary>The unlabelled pool of one or more generated languages, for pre-training.</summary>
    public static SpeechDataset GeneratedPool(string scale, IEnumerable<string> languages, bool normalizeAudio = true, CorpusPaths? paths = null)
    {
        paths ??= CorpusPaths.Default();
        var entries = new List<ManifestEntry>();
        foreach (var language in languages)
        {
            EnsureAudio(scale, language, paths);
            var manifest = GeneratedCorpora.Manifest(scale, language, "pool", paths);
            entries.AddRange(Enumerable.Range(0, manifest.Count).Select(i => new ManifestEntry(manifest.FullPath(i), manifest.Entries[i].NumSamples)));
        }
        if (entries.Count == 0) throw new ArgumentException("no pre-training utterances: no language given");
        return new SpeechDataset(new Manifest("/", entries), null, AudioLoadOptions.Default with { Normalize = normalizeAudio });
    }

    static void EnsureAudio(string scale, string language, CorpusPaths paths)
    {
        var corpus = CorpusRecipe.ForScale(scale, language).Name;
        bool Whole() => new[] { "test", "pool" }.Select(split => GeneratedCorpora.Manifest(scale, language, split, paths))
            .All(m => Enumerable.Range(0, m.Count).All(i => File.Exists(m.FullPath(i))));
        if (Whole()) return;
        // Workers sharing the cache (a sweep) make a language's audio once: the others wait, then find it there.
        using var claim = Parp.IO.WorkClaim.Acquire(paths.AudioDir(corpus, language),
            waiting: w => Console.Error.WriteLine($"the {corpus}/{language} audio: {w}"));
        if (Whole()) return;
        Console.Error.WriteLine($"generating the {corpus}/{language} audio into {paths.CacheRoot} ...");
        GeneratedCorpora.Ensure(scale, [language], paths: paths);
    }
}
