using System.Globalization;
using System.Text;

namespace Parp.Data;

/// <summary>
/// Words ↔ letter targets in the wav2vec2 format: upper-case letters separated by spaces, <c>|</c> after
/// every word including the last (docs/paper.md §6): "HELLO WORLD" → "H E L L O | W O R L D |".
/// </summary>
public static class LetterText
{
    /// <summary>
    /// Upper-cases, folds accents (É → E), maps typographic apostrophes to ' (kept, also at word edges), turns hyphens and other
    /// separators into spaces and drops other punctuation. Anything else outside A–Z and ' (a digit, a
    /// letter of another script) is an error, because no spelling of it exists in the 32 symbols.
    /// </summary>
    public static string NormalizeWords(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var ch in text.Normalize(NormalizationForm.FormD))
        {
            var c = char.ToUpperInvariant(ch);
            var cat = CharUnicodeInfo.GetUnicodeCategory(c);
            if (c is >= 'A' and <= 'Z' || c == '\'') sb.Append(c);
            else if (c is '\u2019' or '\u2018' or '`') sb.Append('\'');
            else if (cat == UnicodeCategory.NonSpacingMark) continue; // accents split off by FormD
            else if (char.IsWhiteSpace(c) || c is '-' or '/' or '\u2013' or '\u2014' or '_') sb.Append(' ');
            else if (char.IsPunctuation(c) || char.IsSymbol(c)) continue;
            else throw new ArgumentException($"character '{ch}' (U+{(int)ch:X4}) has no spelling in the letter vocabulary, in \"{text}\"");
        }
        // Apostrophes stay where they are, even at a word's edge: LibriSpeech has words like 'EM and the
        // fairseq/HF labels keep them. Text sources that use ' as a quotation mark trim it themselves.
        return string.Join(' ', sb.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    public static string ToLetters(string words)
    {
        var normalized = NormalizeWords(words);
        if (normalized.Length == 0) throw new ArgumentException($"transcript \"{words}\" has no letters");
        var sb = new StringBuilder();
        foreach (var word in normalized.Split(' '))
        {
            foreach (var c in word) sb.Append(c).Append(' ');
            sb.Append("| ");
        }
        return sb.ToString().TrimEnd();
    }

    /// <summary>Letters back to words: "H E L L O | W O R L D |" → "HELLO WORLD".</summary>
    public static string ToWords(string letters) =>
        string.Join(' ', letters.Replace(" ", "").Split('|', StringSplitOptions.RemoveEmptyEntries));
}
