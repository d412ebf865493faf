using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Parp.IO;

namespace Parp.Text;

/// <summary>
/// A WordPiece vocabulary (<c>vocab.txt</c>) made from a corpus, for a model this project pre-trains itself: the five
/// special tokens, every character of the corpus both as a word start and as a continuation (<c>##c</c>), so that every
/// word of the corpus has a spelling, then the most frequent words (at least two occurrences) until the size is reached.
/// Words are cut as BERT's uncased basic tokenizer cuts them: lower case, accents stripped, punctuation alone.
/// </summary>
public static class WordPieceVocabulary
{
    public static readonly string[] Specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

    /// <summary>The vocabulary of <paramref name="texts"/>, at most <paramref name="size"/> entries, in id order.</summary>
    public static List<string> Build(IEnumerable<string> texts, int size)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var text in texts)
            foreach (var word in Words(text))
                counts[word] = counts.GetValueOrDefault(word) + 1;
        var characters = counts.Keys.SelectMany(w => w.EnumerateRunes()).Select(r => r.ToString()).Distinct().Order(StringComparer.Ordinal).ToList();
        var vocabulary = new List<string>(Specials);
        vocabulary.AddRange(characters);
        vocabulary.AddRange(characters.Select(c => "##" + c));
        if (vocabulary.Count > size)
            throw new ArgumentException($"a vocabulary of {size} cannot hold the corpus's {characters.Count} characters twice and the specials");
        var taken = vocabulary.ToHashSet(StringComparer.Ordinal);
        vocabulary.AddRange(counts.Where(kv => kv.Value >= 2 && !taken.Contains(kv.Key))
            .OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .Take(size - vocabulary.Count).Select(kv => kv.Key));
        return vocabulary;
    }

    /// <summary>Writes <paramref name="vocabulary"/> as <c>vocab.txt</c> (one token per line, id order), atomically.</summary>
    public static void Write(IReadOnlyList<string> vocabulary, string file) =>
        AtomicFile.WriteAllText(file, string.Join("\n", vocabulary) + "\n");

    /// <summary>The words of <paramref name="text"/> as the uncased basic tokenizer sees them.</summary>
    public static IEnumerable<string> Words(string text)
    {
        var stripped = new StringBuilder();
        foreach (var c in text.ToLowerInvariant().Normalize(NormalizationForm.FormD))
            if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark && !char.IsControl(c)) stripped.Append(c);
        return WordOrPunctuation.Matches(stripped.ToString()).Select(m => m.Value);
    }

    static readonly Regex WordOrPunctuation = new(@"[\p{L}\p{N}]+|[^\s\p{L}\p{N}]", RegexOptions.Compiled);
}
