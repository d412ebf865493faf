using System.Globalization;
using System.Text;
using Parp.Audio;

namespace Parp.Data.Corpora;

/// <summary>
/// Sentences that can be had on a Debian machine without downloads (data-manifests/espeak/SOURCES.md says
/// which packages and licences):
/// English from the fortune cookie files of the <c>fortunes</c> package; the other languages from the
/// translated messages of installed software (gettext catalogs, /usr/share/locale/LANG/LC_MESSAGES/*.mo:
/// iso-codes country and language names, GTK, coreutils, tar, ...); Mandarin from the zh_CN catalogs, turned
/// into pinyin with tone digits through the Unihan kMandarin readings (package <c>unicode-data</c>).
/// The committed manifests hold the text of every utterance, so these sources are only needed to rebuild them.
/// </summary>
public static class TextSources
{
    public const string FortuneDir = "/usr/share/games/fortunes";
    public const string LocaleDir = "/usr/share/locale";
    public const string UnihanReadings = "/usr/share/unicode/Unihan_Readings.txt.bz2";

    /// <summary>Every fortune of every file (offensive ones excluded), in file-name order.</summary>
    public static IEnumerable<string> Fortunes(string dir = FortuneDir)
    {
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"{dir} not found: apt-get install fortunes");
        foreach (var file in Directory.GetFiles(dir).Where(f => !Path.HasExtension(f)).Order(StringComparer.Ordinal))
        foreach (var fortune in File.ReadAllText(file).Split("\n%\n"))
            yield return fortune;
    }

    /// <summary>The .mo catalogs of a locale, in file-name order.</summary>
    public static IReadOnlyList<string> Catalogs(string locale, string dir = LocaleDir)
    {
        var folder = Path.Combine(dir, locale, "LC_MESSAGES");
        return Directory.Exists(folder) ? Directory.GetFiles(folder, "*.mo").Order(StringComparer.Ordinal).ToArray() : [];
    }

    /// <summary>
    /// The translated strings of a GNU gettext .mo file (format: magic, count, offsets of the original and the
    /// translation tables; each entry a length and an offset). Plural forms are split on NUL.
    /// </summary>
    public static IEnumerable<string> MoTranslations(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 28) throw new InvalidDataException($"{path}: too short for a .mo file");
        uint magic = BitConverter.ToUInt32(bytes, 0);
        bool swap = magic == 0xde120495;
        if (magic != 0x950412de && !swap) throw new InvalidDataException($"{path}: not a gettext .mo file (magic {magic:x8})");
        uint U32(int at) { uint v = BitConverter.ToUInt32(bytes, at); return swap ? System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(v) : v; }
        int count = (int)U32(8), translations = (int)U32(16);
        for (int i = 0; i < count; i++)
        {
            int length = (int)U32(translations + 8 * i), offset = (int)U32(translations + 8 * i + 4);
            if (length == 0 || offset + length > bytes.Length) continue;
            var text = Encoding.UTF8.GetString(bytes, offset, length);
            if (text.Contains("Content-Type:")) continue; // the header entry
            foreach (var form in text.Split('\0')) yield return form;
        }
    }

    /// <summary>
    /// Clauses of a text as lists of words: split at sentence punctuation; words lose surrounding punctuation.
    /// A clause with any other token (a number, a %s, a path, a word in another script) is dropped whole, so
    /// what is spoken is exactly what the targets say.
    /// </summary>
    public static IEnumerable<string[]> Clauses(string text, CorpusLanguage language)
    {
        // Mnemonic underscores and ampersands of menu labels ("_Open", "&File") are not text.
        text = text.Replace("_", "").Replace("&", "");
        foreach (var clause in text.Split(['.', '!', '?', ';', ':', '\n', '(', ')', '"', '«', '»', '“', '”', '„', '—', '–', '…', '¿', '¡'], StringSplitOptions.RemoveEmptyEntries))
        {
            var words = new List<string>();
            bool ok = true;
            foreach (var raw in clause.Split([' ', '\t', ','], StringSplitOptions.RemoveEmptyEntries))
            {
                var w = raw.Trim('\'', '’', '-');
                if (w.Length == 0) continue;
                bool allLetters = w.All(c => language.IsScriptLetter(c) || (c is '\'' or '’' or '-' && language.Script != "Han"));
                if (!allLetters) { ok = false; break; }
                words.Add(w.Replace('’', '\''));
            }
            if (ok && words.Count > 0) yield return words.ToArray();
        }
    }

    /// <summary>
    /// Hanzi → pinyin syllables with tone digits (hǎo → hao3, neutral tone 5), from the first kMandarin reading of
    /// each character. Polyphonic characters get their most common reading; speech and targets stay consistent
    /// because both come from the pinyin.
    /// </summary>
    public static Dictionary<char, string> LoadPinyin(string unihanReadingsBz2 = UnihanReadings)
    {
        if (!File.Exists(unihanReadingsBz2)) throw new FileNotFoundException($"{unihanReadingsBz2} not found: apt-get install unicode-data", unihanReadingsBz2);
        var result = ExternalProgram.Run("bzcat", [unihanReadingsBz2], "apt-get install bzip2");
        if (result.ExitCode != 0) throw new InvalidDataException($"bzcat {unihanReadingsBz2} failed: {result.Stderr}");
        var map = new Dictionary<char, string>();
        foreach (var line in Encoding.UTF8.GetString(result.Stdout).Split('\n'))
        {
            var parts = line.Split('\t');
            if (parts.Length < 3 || parts[1] != "kMandarin") continue;
            int cp = int.Parse(parts[0].AsSpan(2), NumberStyles.HexNumber);
            if (cp > 0xFFFF) continue;
            map[(char)cp] = ToneNumbered(parts[2].Split(' ')[0]);
        }
        return map;
    }

    /// <summary>"lǜ" → "lü4", "hǎo" → "hao3", "de" → "de5".</summary>
    public static string ToneNumbered(string syllable)
    {
        int tone = 5;
        var sb = new StringBuilder();
        foreach (var c in syllable.Normalize(NormalizationForm.FormD))
        {
            switch (c)
            {
                case '\u0304': tone = 1; break;
                case '\u0301': tone = 2; break;
                case '\u030C': tone = 3; break;
                case '\u0300': tone = 4; break;
                default: sb.Append(c); break; // keeps the diaeresis of ü
            }
        }
        return sb.ToString().Normalize(NormalizationForm.FormC) + tone.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Real sentences of a language and every word seen in its texts (for <see cref="WithWordSequences"/>).</summary>
    public sealed record Text(List<string> Sentences, List<string> Words);

    /// <summary>
    /// Distinct sentences for a language, each as the words to speak (lower case, so espeak-ng does not
    /// spell capitals as abbreviations), with 3–14 words (English 4–14; Mandarin 3–16 syllables), and the
    /// distinct words of all its clauses, short ones included.
    /// </summary>
    public static Text Collect(CorpusLanguage language)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var sentences = new List<string>();
        var words = new SortedSet<string>(StringComparer.Ordinal);
        void Add(string s) { if (seen.Add(s)) sentences.Add(s); }

        if (language.Code == "en")
        {
            foreach (var fortune in Fortunes())
            foreach (var clause in Clauses(fortune.Replace('\n', ' ').Replace("--", " "), language))
            {
                string normalized;
                try { normalized = LetterText.NormalizeWords(string.Join(' ', clause)).ToLowerInvariant(); } catch (ArgumentException) { continue; }
                // In fortunes ' is also a quotation mark (`like this'): not part of the word.
                normalized = string.Join(' ', normalized.Split(' ').Select(w => w.Trim('\'')).Where(w => w.Length > 0));
                if (normalized.Length == 0) continue;
                var ws = normalized.Split(' ');
                words.UnionWith(ws);
                if (ws.Length is >= 4 and <= 14) Add(normalized);
            }
            return new(sentences, [.. words]);
        }

        var locale = language.Code == "zh" ? "zh_CN" : language.Code;
        var catalogs = Catalogs(locale);
        if (catalogs.Count == 0) throw new InvalidOperationException($"no gettext catalogs for '{locale}' under {LocaleDir}: install iso-codes and the packages listed in data-manifests/espeak/SOURCES.md");
        var pinyin = language.Code == "zh" ? LoadPinyin() : null;
        foreach (var catalog in catalogs)
        foreach (var message in MoTranslations(catalog))
        foreach (var clause in Clauses(message, language))
        {
            if (pinyin is not null)
            {
                var hanzi = string.Concat(clause);
                if (!hanzi.All(pinyin.ContainsKey)) continue;
                var syllables = hanzi.Select(c => pinyin[c]).ToArray();
                words.UnionWith(syllables);
                if (hanzi.Length is >= 3 and <= 16) Add(string.Join(' ', syllables));
            }
            else
            {
                var ws = clause.Select(w => w.ToLower(language.Culture)).ToArray();
                words.UnionWith(ws);
                if (ws.Length is >= 3 and <= 14) Add(string.Join(' ', ws));
            }
        }
        return new(sentences, [.. words]);
    }

    /// <summary>
    /// Languages with few long messages (ky, tt) also get word sequences: 4–10 words drawn from all the words
    /// of their texts. They carry the language's phonotactics inside words, which is what phone recognition
    /// learns; SOURCES.md marks them as synthetic word sequences.
    /// </summary>
    public static List<string> WithWordSequences(Text text, int wanted, ulong seed)
    {
        if (text.Sentences.Count >= wanted) return text.Sentences;
        var words = text.Words;
        if (words.Count < 50) throw new InvalidOperationException($"only {words.Count} distinct words: too few to make word sequences");
        var rng = new DeterministicRandom(seed);
        var seen = new HashSet<string>(text.Sentences, StringComparer.Ordinal);
        var result = new List<string>(text.Sentences);
        while (result.Count < wanted)
        {
            int n = rng.Next(4, 11);
            var s = string.Join(' ', Enumerable.Range(0, n).Select(_ => words[rng.Next(0, words.Count)]));
            if (seen.Add(s)) result.Add(s);
        }
        return result;
    }
}
