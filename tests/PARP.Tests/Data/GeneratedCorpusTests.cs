using Parp.Audio;
using Parp.Data;
using Parp.Data.Corpora;
using Parp.Tests.Support;

namespace Parp.Tests.Data;

/// <summary>A corpus of a few seconds per split, built and regenerated with the real espeak-ng.</summary>
public class GeneratedCorpusTests
{
    static readonly CorpusRecipe Micro = new("micro", PoolSeconds: 3, OneHourSeconds: 4, TenMinSeconds: 2, DevSeconds: 2, TestSeconds: 2, NoiseFraction: 0.5);

    static List<string> Sentences(int n) =>
        Enumerable.Range(0, n).Select(i => $"sentence number {Words(i)} is here").ToList();

    static string Words(int i) => string.Join(' ', i.ToString().Select(d => "zero one two three four five six seven eight nine".Split(' ')[d - '0']));

    [RequiresProgramFact("espeak-ng", "espeak-ng")]
    public void English_corpus_has_true_durations_held_out_test_and_regenerates_identically()
    {
        using var dir = new TempDir();
        var paths = new CorpusPaths(Path.Combine(dir.Path, "manifests"), Path.Combine(dir.Path, "cache"));
        new CorpusBuilder(CorpusLanguage.Get("en"), Micro, paths, parallelism: 2).Build(Sentences(150));

        var mdir = paths.ManifestDir("micro", "en");
        var generator = new CorpusGenerator(paths, parallelism: 2);
        var specs = CorpusRecipe.Splits.ToDictionary(s => s, s => GenerationManifest.Read(Path.Combine(mdir, $"{s}.gen.tsv")));
        foreach (var split in CorpusRecipe.Splits)
        {
            var m = generator.Manifest("micro", "en", split);
            m.VerifyFilesExist();
            var seconds = m.TotalSamples / 16000.0;
            double target = split switch { "pool" => 3, "1h" => 4, "10min" => 2, _ => 2 };
            Assert.InRange(seconds, target, target + 8); // stops at the first utterance that reaches the target
            if (split == "pool") { Assert.False(File.Exists(Path.Combine(mdir, "pool.ltr"))); continue; } // unlabelled
            var ltr = LabelFile.ReadEncoded(Path.Combine(mdir, $"{split}.ltr"), Vocabulary.Letters, m.Count);
            Assert.All(ltr, l => Assert.Equal(4, l[^1])); // every transcript ends with the word separator '|'
        }
        // 10min is the beginning of 1h; test voices and sentences are never in training.
        Assert.Equal(specs["10min"], specs["1h"].Take(specs["10min"].Count));
        var trainVoices = specs["pool"].Concat(specs["1h"]).Concat(specs["dev"]).Select(s => s.Voice.Split('+')[1]).ToHashSet();
        var testVoices = specs["test"].Select(s => s.Voice.Split('+')[1]).ToHashSet();
        Assert.Empty(trainVoices.Intersect(testVoices));
        Assert.Empty(specs["test"].Select(s => s.Text).Intersect(specs["1h"].Concat(specs["pool"]).Concat(specs["dev"]).Select(s => s.Text)));

        // Regenerate into a fresh cache from the manifests alone: same samples, no length mismatch.
        var first = AudioFile.Load(generator.Manifest("micro", "en", "test").FullPath(0));
        Directory.Delete(paths.CacheRoot, recursive: true);
        var report = generator.Generate("micro", "en", "test", strict: true);
        Assert.Equal(specs["test"].Count, report.Generated);
        Assert.Equal(first, AudioFile.Load(generator.Manifest("micro", "en", "test").FullPath(0)));
        Assert.Equal(specs["test"].Count, generator.Generate("micro", "en", "test").AlreadyCached);
    }

    [RequiresProgramFact("espeak-ng", "espeak-ng")]
    public void Phone_corpus_writes_ipa_targets_and_a_vocabulary_that_covers_them()
    {
        using var dir = new TempDir();
        var paths = new CorpusPaths(Path.Combine(dir.Path, "manifests"), Path.Combine(dir.Path, "cache"));
        var sentences = Enumerable.Range(0, 150).Select(i => $"el número {i % 10} y la casa {(char)('a' + i % 26)}{(char)('a' + i / 26)} grande").ToList();
        new CorpusBuilder(CorpusLanguage.Get("es"), Micro with { PoolSeconds = 1, OneHourSeconds = 2, TenMinSeconds = 1 }, paths, 2).Build(sentences);

        var mdir = paths.ManifestDir("micro", "es");
        var vocab = Vocabulary.LoadFairseqDict(Path.Combine(mdir, "dict.phn.txt"));
        Assert.Equal(vocab.Symbols, Vocabulary.LoadHfJson(Path.Combine(mdir, "vocab.json")).Symbols);
        foreach (var split in new[] { "1h", "test" })
        {
            var phn = LabelFile.ReadEncoded(Path.Combine(mdir, $"{split}.phn"), vocab);
            Assert.All(phn, p => Assert.True(p.Length > 5));
        }
        Assert.Contains("ɾ", vocab.Symbols); // the tap of "número": real IPA, not an ASCII r
        Assert.DoesNotContain(vocab.Symbols.Skip(4), p => !IpaTokenizer.IsIpa(p));
    }
}
