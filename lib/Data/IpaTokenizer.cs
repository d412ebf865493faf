using System.Globalization;
using System.Text;

namespace Parp.Data;

/// <summary>
/// Splits an IPA string from <c>espeak-ng --ipa</c> into phones: one base letter together with the
/// combining marks (nasal ̃, dental ̪, syllabic ̩ ...), length marks (ː ˑ) and modifier letters (ʰ ʲ ʷ ˠ)
/// that follow it; affricates written as two letters (tʃ, dʒ, ts, tɕ ...) are one phone. Stress marks
/// (ˈ ˌ), language-switch markers like "(en)", word and clause boundaries, liaison hyphens and punctuation
/// are dropped: the targets are the phone sequence, as in the PER of the paper's CommonVoice experiments.
///
/// Some espeak-ng voices leak ASCII phoneme names into --ipa output; <see cref="ForLanguage"/> repairs the
/// ones this project's languages show (measured with espeak-ng 1.51):
/// <list type="bullet">
/// <item><c>ky</c>: <c>oe</c>→ø, <c>tS</c>→tʃ, <c>dZ</c>→dʒ, <c>S</c>→ʃ, <c>Z</c>→ʒ, <c>N</c>→ŋ, <c>X</c>→χ (Kirshenbaum's uvular fricative), <c>:</c>→ː, and a stray <c>[</c> before stressed vowels, dropped.</item>
/// <item><c>zh</c> (<c>cmn-latn-pinyin</c>): <c>s.</c>/<c>ts.</c>/<c>ts.h</c> for retroflex ʂ/tʂ/tʂʰ, <c>i.</c> and <c>i[</c> for the apical vowels ɨ/ɿ, <c>h</c> after a stop for aspiration.
/// Tones come out lossy (contours 55 and 51 both print as "5", 35 prints as "ɜ"), so they are dropped and Mandarin targets are segmental.</item>
/// </list>
/// </summary>
public sealed class IpaTokenizer
{
    // Longest first, so "ts." wins over "ts" and "tʃ" over "t".
    readonly (string From, string To)[] _leaks;
    readonly HashSet<char> _dropped;

    static readonly string[] Affricates = ["tʃ", "dʒ", "ts", "dz", "tɕ", "dʑ", "tʂ", "dʐ", "ʈʂ", "ɖʐ"];

    // espeak-ng marks a switch to another language's rules inside a sentence as "(en)ɪnstˈɛd(fr)".
    static readonly System.Text.RegularExpressions.Regex LanguageSwitch = new(@"\([a-z]{2,3}(-[a-z0-9-]+)?\)");

    /// <summary>
    /// True when espeak-ng read part of the text with another language's rules (an English word inside French).
    /// The generated corpora leave such utterances out, so each language's phones are its own.
    /// </summary>
    public static bool HasLanguageSwitch(string ipa) => LanguageSwitch.IsMatch(ipa);

    // Marks that belong to the phone before them. Unicode calls ː and ʰ "modifier letters" (Lm), like the
    // stress marks, so they are listed rather than found by category.
    static readonly HashSet<char> Attaching = [.. "ːˑʰʲʷˠˤⁿˡʼ˞"];
    static readonly HashSet<char> Stress = [.. "ˈˌ"];

    public string Language { get; }

    public IpaTokenizer(string language, IEnumerable<(string From, string To)>? leaks = null, IEnumerable<char>? dropped = null)
    {
        Language = language;
        _leaks = (leaks ?? []).OrderByDescending(l => l.From.Length).ToArray();
        _dropped = [.. dropped ?? []];
    }

    /// <summary>The tokenizer for a language code of this project (en, es, fr, it, ky, nl, ru, sv, tr, tt, zh).</summary>
    public static IpaTokenizer ForLanguage(string language) => language switch
    {
        "ky" => new("ky", [("oe", "ø"), ("tS", "tʃ"), ("dZ", "dʒ"), ("S", "ʃ"), ("Z", "ʒ"), ("N", "ŋ"), ("X", "χ"), (":", "ː"), ("[", "")]),
        "zh" => new("zh",
            [("ts.h", "tʂʰ"), ("ts.", "tʂ"), ("s.", "ʂ"), ("i.", "ɨ"), ("i̪", "ɿ"), ("i[", "ɿ"),
             ("tsh", "tsʰ"), ("tɕh", "tɕʰ"), ("ph", "pʰ"), ("th", "tʰ"), ("kh", "kʰ")],
            dropped: "12345ɜ"),
        _ => new(language),
    };

    /// <summary>Phones of one utterance's IPA (any number of lines and words).</summary>
    public List<string> Tokenize(string ipa)
    {
        // Switch markers are not phones (the letters of "(en)" must not become e and n).
        var text = LanguageSwitch.Replace(ipa, " ").Normalize(NormalizationForm.FormC);
        foreach (var (from, to) in _leaks) text = text.Replace(from, to, StringComparison.Ordinal);
        // Decompose again so combining marks are separate chars we can attach (ɑ̃ is never precomposed,
        // but ã or ĩ could be).
        text = text.Normalize(NormalizationForm.FormD);

        var phones = new List<string>();
        var current = new StringBuilder();
        void Flush() { if (current.Length > 0) { phones.Add(current.ToString()); current.Clear(); } }

        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            var cat = CharUnicodeInfo.GetUnicodeCategory(c);
            if (Stress.Contains(c) || _dropped.Contains(c)) continue;
            if (cat is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark || Attaching.Contains(c))
            {
                if (c == '\u0361' || c == '\u035C') { current.Append(c); continue; } // tie bar: the next letter joins
                if (current.Length > 0) current.Append(c);
                continue; // a mark with nothing before it carries no phone
            }
            if (!char.IsLetter(c)) { Flush(); continue; } // spaces, newlines, hyphens, punctuation
            bool tied = current.Length > 0 && current[^1] is '\u0361' or '\u035C';
            if (tied) { current.Append(c); continue; }
            Flush();
            var affricate = Affricates.FirstOrDefault(a => string.CompareOrdinal(text, i, a, 0, a.Length) == 0);
            if (affricate is not null) { current.Append(affricate); i += affricate.Length - 1; }
            else current.Append(c);
        }
        Flush();
        return phones.Select(p => p.Normalize(NormalizationForm.FormC)).ToList();
    }

    /// <summary>
    /// False for a phone that still holds an ASCII phoneme name (upper-case letters, digits, punctuation):
    /// a leak no rule repairs yet. Corpus building refuses such phones rather than train on them.
    /// </summary>
    public static bool IsIpa(string phone) =>
        phone.Length > 0 && !phone.Any(c => char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c) || (c < 128 && !char.IsAsciiLetterLower(c)));

    /// <summary>Phones as a .phn line (space-separated).</summary>
    public string ToPhoneLine(string ipa) => string.Join(' ', Tokenize(ipa));
}
