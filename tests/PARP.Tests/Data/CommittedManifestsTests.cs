using Parp.Data;
using Parp.Data.Corpora;

namespace Parp.Tests.Data;

/// <summary>The manifests in data-manifests/ agree with each other and with the corpus rules, for every language.</summary>
public class CommittedManifestsTests
{
    static readonly CorpusPaths Paths = CorpusPaths.Default();

    public static TheoryData<string, string> Corpora()
    {
        var data = new TheoryData<string, string>();
        foreach (var corpus in new[] { "espeak", "espeak-smoke" })
            foreach (var language in CorpusLanguage.All)
                data.Add(corpus, language.Code);
        return data;
    }

    [Theory]
    [MemberData(nameof(Corpora))]
    public void Splits_labels_and_vocabulary_agree(string corpus, string code)
    {
        var dir = Paths.ManifestDir(corpus, code);
        var language = CorpusLanguage.Get(code);
        var vocab = language.Targets == TargetKind.Letters
            ? Vocabulary.LoadFairseqDict(Path.Combine(dir, "dict.ltr.txt"))
            : Vocabulary.LoadFairseqDict(Path.Combine(dir, "dict.phn.txt"));
        if (language.Targets == TargetKind.Letters) Assert.Equal(Vocabulary.Letters.Symbols, vocab.Symbols);
        else Assert.All(vocab.Symbols.Skip(Vocabulary.Specials.Count), p => Assert.True(IpaTokenizer.IsIpa(p), $"{code}: phone '{p}' is not IPA"));
        Assert.Equal(vocab.Symbols, Vocabulary.LoadHfJson(Path.Combine(dir, "vocab.json")).Symbols);

        var specs = new Dictionary<string, List<UtteranceSpec>>();
        foreach (var split in CorpusRecipe.Splits)
        {
            var gen = specs[split] = GenerationManifest.Read(Path.Combine(dir, $"{split}.gen.tsv"));
            var tsv = Manifest.Read(Path.Combine(dir, $"{split}.tsv"), Paths.CacheRoot);
            Assert.Equal(gen.Select(g => new ManifestEntry(g.Id + ".wav", g.NumSamples)), tsv.Entries);
            Assert.Equal(Path.Combine(Paths.CacheRoot, corpus, code), tsv.Root);
            if (split == "pool") continue;
            var ext = language.Targets == TargetKind.Letters ? "ltr" : "phn";
            var targets = LabelFile.ReadEncoded(Path.Combine(dir, $"{split}.{ext}"), vocab, gen.Count);
            Assert.All(targets, t => Assert.NotEmpty(t));
            Assert.Equal(gen.Count, LabelFile.Read(Path.Combine(dir, $"{split}.wrd"), gen.Count).Count);
        }
        // Test: held-out voices and sentences; 10min: the start of 1h.
        var training = specs["pool"].Concat(specs["1h"]).Concat(specs["dev"]).ToList();
        Assert.All(specs["test"], s => Assert.Contains(s.Voice.Split('+')[1], CorpusLanguage.TestVariants));
        Assert.All(training, s => Assert.Contains(s.Voice.Split('+')[1], CorpusLanguage.TrainVariants));
        Assert.Empty(specs["test"].Select(s => s.Text).Intersect(training.Select(s => s.Text)));
        Assert.Equal(specs["10min"], specs["1h"].Take(specs["10min"].Count));
    }

    [Fact]
    public void Tiny_splits_hold_their_true_durations()
    {
        foreach (var language in CorpusLanguage.All)
        {
            var recipe = CorpusRecipe.Tiny(language.Code);
            var seconds = CorpusRecipe.Splits.ToDictionary(s => s, s =>
                GenerationManifest.Read(Path.Combine(Paths.ManifestDir("espeak", language.Code), $"{s}.gen.tsv")).Sum(u => u.NumSamples) / 16000.0);
            Assert.InRange(seconds["pool"], recipe.PoolSeconds, recipe.PoolSeconds + 30);
            Assert.InRange(seconds["1h"], recipe.OneHourSeconds, recipe.OneHourSeconds + 30);
            Assert.InRange(seconds["10min"], recipe.TenMinSeconds, recipe.TenMinSeconds + 30);
            Assert.InRange(seconds["dev"], recipe.DevSeconds, recipe.DevSeconds + 30);
            Assert.InRange(seconds["test"], recipe.TestSeconds, recipe.TestSeconds + 30);
        }
    }
}
