using Parp.Audio;
using Parp.Data.Corpora;

namespace Parp.Data.Datasets;

/// <summary>
/// fairseq manifests with phone targets from a CommonVoice download (<c>LANG/clips/*.mp3</c> and the split
/// tables <c>train.tsv</c>, <c>dev.tsv</c>, <c>test.tsv</c>, tab-separated with a header that has
/// <c>path</c> and <c>sentence</c> columns).
///
/// The paper uses the few-shot splits of Rivière et al. (2020), about 1 h of training audio per language,
/// with phone transcriptions distributed alongside those splits; how those were made is not stated in the
/// paper (docs/paper.md §6, §13). So the phones come from one of two places:
/// <list type="bullet">
/// <item>a phone file the user supplies (<c>--phones</c>): one line per clip, "CLIP TAB phones separated by
/// spaces", CLIP being the mp3 name with or without extension — use this for the published transcriptions;</item>
/// <item>otherwise espeak-ng's IPA of the sentence, tokenised exactly like the generated corpora (zh-CN Hanzi
/// go through Unihan pinyin first), so generated and real data share one phone convention.</item>
/// </list>
/// An optional list of clip names (one per line) selects a subset, e.g. a Rivière et al. split.
/// </summary>
public static class CommonVoice
{
    public sealed record Options(string Language, string? PhoneFile = null, string? SubsetFile = null);

    public static Manifest BuildSplit(string languageDir, string splitTsv, string outputDir, string name, Options options)
    {
        var table = Path.Combine(languageDir, splitTsv);
        if (!File.Exists(table)) throw new DataFormatException(table, 0, "CommonVoice split table not found");
        var clipsDir = Path.Combine(languageDir, "clips");
        var lines = File.ReadAllLines(table);
        if (lines.Length == 0) throw new DataFormatException(table, 1, "empty table (expected a header with 'path' and 'sentence')");
        var header = lines[0].Split('\t');
        int pathCol = Array.IndexOf(header, "path"), sentenceCol = Array.IndexOf(header, "sentence");
        if (pathCol < 0 || sentenceCol < 0) throw new DataFormatException(table, 1, $"header lacks 'path' or 'sentence': {lines[0]}");

        var subset = options.SubsetFile is null ? null
            : File.ReadAllLines(options.SubsetFile).Select(l => Path.GetFileNameWithoutExtension(l.Trim())).Where(l => l.Length > 0).ToHashSet();
        var supplied = options.PhoneFile is null ? null : ReadPhoneFile(options.PhoneFile);
        var language = CorpusLanguage.Get(options.Language);
        var tokenizer = IpaTokenizer.ForLanguage(language.Code);
        var pinyin = language.Code == "zh" && supplied is null ? TextSources.LoadPinyin() : null;

        var entries = new List<ManifestEntry>();
        var words = new List<string>();
        var phones = new List<string>();
        for (int i = 1; i < lines.Length; i++)
        {
            var f = lines[i].Split('\t');
            if (f.Length <= Math.Max(pathCol, sentenceCol)) throw new DataFormatException(table, i + 1, $"expected {header.Length} columns, got {f.Length}");
            var clip = f[pathCol];
            var key = Path.GetFileNameWithoutExtension(clip);
            if (subset is not null && !subset.Contains(key)) continue;
            var sentence = f[sentenceCol].Trim();
            if (sentence.Length == 0) throw new DataFormatException(table, i + 1, $"empty sentence for {clip}");
            var audio = Path.Combine(clipsDir, clip);
            if (!File.Exists(audio)) throw new DataFormatException(table, i + 1, $"audio file not found: {audio}");

            string phoneLine;
            if (supplied is not null)
                phoneLine = supplied.TryGetValue(key, out var p) ? p
                    : throw new DataFormatException(options.PhoneFile!, 0, $"no phones for clip {key} (used by {table} line {i + 1})");
            else
            {
                var spoken = pinyin is null ? sentence.ToLower(language.Culture)
                    : string.Join(' ', sentence.Where(pinyin.ContainsKey).Select(c => pinyin[c]));
                phoneLine = tokenizer.ToPhoneLine(EspeakSynthesizer.Ipa(language.Voice, spoken));
            }
            if (phoneLine.Length == 0) throw new DataFormatException(table, i + 1, $"no phones for \"{sentence}\"");

            float[] samples;
            try { samples = AudioFile.Load(audio); }
            catch (AudioException e) { throw new DataFormatException(table, i + 1, e.Message, e); }
            entries.Add(new ManifestEntry(clip, samples.Length));
            words.Add(sentence.Replace('\t', ' '));
            phones.Add(phoneLine);
        }
        if (entries.Count == 0) throw new DataFormatException(table, 0, "no clips selected");
        var manifest = new Manifest(Path.GetFullPath(clipsDir), entries);
        manifest.Write(Path.Combine(outputDir, name + ".tsv"));
        LabelFile.Write(Path.Combine(outputDir, name + ".wrd"), words);
        LabelFile.Write(Path.Combine(outputDir, name + ".phn"), phones);
        return manifest;
    }

    /// <summary>The phone dictionary of the training split (fairseq order: by count), written beside it.</summary>
    public static Vocabulary WriteDictionary(string outputDir, string trainName)
    {
        var all = LabelFile.Read(Path.Combine(outputDir, trainName + ".phn")).SelectMany(l => l.Split(' ')).ToList();
        var vocab = Vocabulary.FromCounts(all);
        vocab.SaveFairseqDict(Path.Combine(outputDir, "dict.phn.txt"), all.GroupBy(p => p).ToDictionary(g => g.Key, g => g.Count()));
        vocab.SaveHfJson(Path.Combine(outputDir, "vocab.json"));
        return vocab;
    }

    static Dictionary<string, string> ReadPhoneFile(string path)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        int lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            if (line.Length == 0) continue;
            int tab = line.IndexOf('\t');
            if (tab <= 0 || string.IsNullOrWhiteSpace(line[(tab + 1)..]))
                throw new DataFormatException(path, lineNo, "expected 'CLIP TAB phones'");
            map[Path.GetFileNameWithoutExtension(line[..tab])] = string.Join(' ', line[(tab + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        }
        return map;
    }
}
