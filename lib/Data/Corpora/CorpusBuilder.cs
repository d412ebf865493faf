using System.Collections.Concurrent;
using System.Globalization;
using Parp.Audio;

namespace Parp.Data.Corpora;

/// <summary>
/// Builds a generated corpus for one language from sentences: chooses voices, speeds, pitches, noise and seeds,
/// synthesises in parallel until each split holds its true duration, and writes the manifests (generation
/// manifest, fairseq .tsv, .wrd, and .ltr or .phn, plus the vocabulary). Test uses held-out voices and
/// held-out sentences; dev uses training voices and its own held-out sentences.
/// </summary>
public sealed class CorpusBuilder(CorpusLanguage language, CorpusRecipe recipe, CorpusPaths paths, int parallelism = 0, IProgress<CorpusProgress>? progress = null)
{
    readonly int _parallelism = parallelism > 0 ? parallelism : Environment.ProcessorCount;
    readonly IpaTokenizer _tokenizer = IpaTokenizer.ForLanguage(language.Code);

    sealed record Made(UtteranceSpec Spec, string Ipa);

    int _switched;

    /// <summary>How many synthesised utterances were left out because espeak-ng switched language inside them.</summary>
    public int LanguageSwitches => _switched;

    /// <summary>Builds every split from <paramref name="sentences"/> (distinct, in any order; they are shuffled here).</summary>
    public void Build(IReadOnlyList<string> sentences)
    {
        var shuffled = sentences.Distinct(StringComparer.Ordinal).ToList();
        new DeterministicRandom(DeterministicRandom.Mix((long)recipe.Seed, Hash(language.Code), 1)).Shuffle(shuffled);
        int held = recipe.HeldOutSentences;
        if (shuffled.Count < 3 * held)
            throw new InvalidOperationException($"{language.Code}: {shuffled.Count} sentences, fewer than the {3 * held} needed (test, dev, training)");
        var test = shuffled.GetRange(0, held);
        var dev = shuffled.GetRange(held, held);
        var train = shuffled.GetRange(2 * held, shuffled.Count - 2 * held);

        var splits = new Dictionary<string, List<Made>>
        {
            ["test"] = Generate("test", test, CorpusLanguage.TestVariants, recipe.TestSeconds, 0),
            ["dev"] = Generate("dev", dev, CorpusLanguage.TrainVariants, recipe.DevSeconds, 0),
        };
        var oneHour = Generate("1h", train, CorpusLanguage.TrainVariants, recipe.OneHourSeconds, 0);
        splits["1h"] = oneHour;
        // The pool continues through the training sentences where 1h stopped (then wraps round), so it is
        // mostly different text; it is unlabelled anyway.
        splits["pool"] = Generate("pool", train, CorpusLanguage.TrainVariants, recipe.PoolSeconds, oneHour.Count);
        splits["10min"] = Prefix(oneHour, recipe.TenMinSeconds);
        WriteManifests(splits);
    }

    List<Made> Generate(string split, IReadOnlyList<string> sentences, IReadOnlyList<string> variants, double targetSeconds, int sentenceOffset)
    {
        var made = new List<Made>();
        double seconds = 0;
        int next = 0;
        int chunk = Math.Max(8, 4 * _parallelism);
        var audioDir = paths.AudioDir(recipe.Name, language.Code);
        while (seconds < targetSeconds)
        {
            var specs = Enumerable.Range(next, chunk).Select(i => Spec(split, i, sentences[(sentenceOffset + i) % sentences.Count], variants)).ToArray();
            next += chunk;
            var results = new ConcurrentDictionary<int, Made>();
            Parallel.For(0, specs.Length, new ParallelOptions { MaxDegreeOfParallelism = _parallelism }, k =>
            {
                var s = EspeakSynthesizer.Synthesize(specs[k]);
                WavWriter.WriteMono16(Path.Combine(audioDir, specs[k].Id + ".wav"), s.Samples, EspeakSynthesizer.SampleRate);
                results[k] = new Made(specs[k] with { NumSamples = s.Samples.Length }, s.Ipa);
            });
            // Accept in index order, so the split is the same whatever the parallelism. Utterances that espeak-ng
            // read partly with another language's rules are left out (their index is skipped).
            for (int k = 0; k < specs.Length; k++)
            {
                bool switched = language.Targets == TargetKind.Phones && IpaTokenizer.HasLanguageSwitch(results[k].Ipa);
                if (seconds >= targetSeconds || switched)
                {
                    if (seconds < targetSeconds) _switched++;
                    File.Delete(Path.Combine(audioDir, specs[k].Id + ".wav"));
                    continue;
                }
                made.Add(results[k]);
                seconds += results[k].Spec.NumSamples / (double)EspeakSynthesizer.SampleRate;
            }
            progress?.Report(new CorpusProgress(language.Code, split, seconds, targetSeconds, made.Count));
        }
        return made;
    }

    UtteranceSpec Spec(string split, int index, string text, IReadOnlyList<string> variants)
    {
        ulong seed = DeterministicRandom.Mix((long)recipe.Seed, Hash(language.Code), Hash(split), index);
        var rng = new DeterministicRandom(seed);
        var baseVoice = language.BaseVoices[rng.Next(0, language.BaseVoices.Count)];
        var voice = $"{baseVoice}+{variants[rng.Next(0, variants.Count)]}";
        int speed = rng.Next(recipe.MinSpeed, recipe.MaxSpeed + 1);
        int pitch = rng.Next(recipe.MinPitch, recipe.MaxPitch + 1);
        double? snr = rng.NextDouble() < recipe.NoiseFraction
            ? Math.Round(recipe.MinSnrDb + rng.NextDouble() * (recipe.MaxSnrDb - recipe.MinSnrDb), 1)
            : null;
        return new UtteranceSpec($"{split}/{language.Code}-{split}-{index.ToString("D5", CultureInfo.InvariantCulture)}", voice, speed, pitch, snr, seed, text);
    }

    static List<Made> Prefix(List<Made> utterances, double seconds)
    {
        var result = new List<Made>();
        double total = 0;
        foreach (var u in utterances)
        {
            if (total >= seconds) break;
            result.Add(u);
            total += u.Spec.NumSamples / (double)EspeakSynthesizer.SampleRate;
        }
        return result;
    }

    void WriteManifests(Dictionary<string, List<Made>> splits)
    {
        var dir = paths.ManifestDir(recipe.Name, language.Code);
        var root = CorpusPaths.RelativeRoot(recipe.Name, language.Code);
        var phones = new Dictionary<string, List<string>>();
        foreach (var (split, made) in splits)
        {
            GenerationManifest.Write(Path.Combine(dir, $"{split}.gen.tsv"), made.Select(m => m.Spec));
            new Manifest(root, made.Select(m => new ManifestEntry(m.Spec.Id + ".wav", m.Spec.NumSamples)).ToList())
                .Write(Path.Combine(dir, $"{split}.tsv"));
            // The pool is unlabelled (its text stays in the generation manifest); no label files keep the repository small.
            bool labelled = split != "pool";
            if (language.Targets == TargetKind.Letters)
            {
                if (!labelled) continue;
                LabelFile.Write(Path.Combine(dir, $"{split}.wrd"), made.Select(m => LetterText.NormalizeWords(m.Spec.Text)));
                LabelFile.Write(Path.Combine(dir, $"{split}.ltr"), made.Select(m => LetterText.ToLetters(m.Spec.Text)));
            }
            else
            {
                var lines = made.Select(m => _tokenizer.ToPhoneLine(m.Ipa)).ToList();
                int empty = lines.FindIndex(l => l.Length == 0);
                if (empty >= 0) throw new InvalidOperationException($"{language.Code} {split}: no phones for \"{made[empty].Spec.Text}\" (IPA \"{made[empty].Ipa}\")");
                int leak = lines.FindIndex(l => !l.Split(' ').All(IpaTokenizer.IsIpa));
                if (leak >= 0)
                    throw new InvalidOperationException($"{language.Code} {split}: espeak-ng leaked an ASCII phoneme name in \"{made[leak].Spec.Text}\" " +
                        $"(IPA \"{made[leak].Ipa}\" → \"{lines[leak]}\"); add a repair rule to IpaTokenizer.ForLanguage");
                phones[split] = lines;
                if (!labelled) continue;
                LabelFile.Write(Path.Combine(dir, $"{split}.wrd"), made.Select(m => m.Spec.Text));
                LabelFile.Write(Path.Combine(dir, $"{split}.phn"), lines);
            }
        }
        if (language.Targets == TargetKind.Letters)
        {
            Vocabulary.Letters.SaveFairseqDict(Path.Combine(dir, "dict.ltr.txt"));
            Vocabulary.Letters.SaveHfJson(Path.Combine(dir, "vocab.json"));
        }
        else
        {
            // The inventory comes from every split, so no test phone is out of vocabulary; a phone that only
            // test has is reported by the stats, not hidden.
            var all = phones.Where(kv => kv.Key != "10min").SelectMany(kv => kv.Value).SelectMany(l => l.Split(' ')).ToList();
            var vocab = Vocabulary.FromCounts(all);
            var counts = all.GroupBy(p => p).ToDictionary(g => g.Key, g => g.Count());
            vocab.SaveFairseqDict(Path.Combine(dir, "dict.phn.txt"), counts);
            vocab.SaveHfJson(Path.Combine(dir, "vocab.json"));
        }
    }

    /// <summary>A string hash fixed by this code (string.GetHashCode is randomised per process).</summary>
    internal static long Hash(string s)
    {
        ulong h = 14695981039346656037;
        foreach (var c in s) { h ^= c; h *= 1099511628211; }
        return (long)h;
    }
}
