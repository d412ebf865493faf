namespace Parp.Training;

/// <summary>Edit operations of an alignment between a reference and a hypothesis.</summary>
/// <param name="Substitutions">Reference tokens replaced by another token.</param>
/// <param name="Deletions">Reference tokens missing from the hypothesis.</param>
/// <param name="Insertions">Hypothesis tokens with no reference token.</param>
/// <param name="ReferenceLength">Tokens in the reference (the denominator).</param>
public readonly record struct ErrorCounts(long Substitutions, long Deletions, long Insertions, long ReferenceLength)
{
    public long Errors => Substitutions + Deletions + Insertions;
    /// <summary>100 · errors / reference tokens; NaN for an empty reference set.</summary>
    public double Rate => ReferenceLength == 0 ? double.NaN : 100.0 * Errors / ReferenceLength;
    public static ErrorCounts operator +(ErrorCounts a, ErrorCounts b) => new(a.Substitutions + b.Substitutions,
        a.Deletions + b.Deletions, a.Insertions + b.Insertions, a.ReferenceLength + b.ReferenceLength);
    public override string ToString() => $"{Rate:F2}% (S {Substitutions}, D {Deletions}, I {Insertions}, N {ReferenceLength})";
}

/// <summary>
/// Levenshtein alignment with unit costs and the S/D/I split of a minimum-cost path. Corpus rates pool the counts over
/// the whole set (sum of distances ÷ sum of reference lengths, docs/paper.md §6), never average per-utterance rates.
/// </summary>
public static class ErrorRates
{
    /// <summary>
    /// Counts of one minimum-edit alignment. Among paths of equal distance the backtrace prefers a match or
    /// substitution, then a deletion, then an insertion, so the split is deterministic (the distance never depends on it).
    /// </summary>
    public static ErrorCounts Align<T>(IReadOnlyList<T> reference, IReadOnlyList<T> hypothesis) where T : IEquatable<T>
    {
        int n = reference.Count, m = hypothesis.Count;
        var d = new int[n + 1, m + 1];
        for (int i = 0; i <= n; i++) d[i, 0] = i;
        for (int j = 0; j <= m; j++) d[0, j] = j;
        for (int i = 1; i <= n; i++)
            for (int j = 1; j <= m; j++)
            {
                int diagonal = d[i - 1, j - 1] + (reference[i - 1].Equals(hypothesis[j - 1]) ? 0 : 1);
                d[i, j] = Math.Min(diagonal, Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1));
            }
        long s = 0, del = 0, ins = 0;
        int a = n, b = m;
        while (a > 0 || b > 0)
        {
            if (a > 0 && b > 0 && d[a, b] == d[a - 1, b - 1] + (reference[a - 1].Equals(hypothesis[b - 1]) ? 0 : 1))
            {
                if (!reference[a - 1].Equals(hypothesis[b - 1])) s++;
                a--; b--;
            }
            else if (a > 0 && d[a, b] == d[a - 1, b] + 1) { del++; a--; }
            else { ins++; b--; }
        }
        return new ErrorCounts(s, del, ins, n);
    }

    public static string[] Words(string text) => text.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Word errors (WER) of one utterance; texts are space-separated words.</summary>
    public static ErrorCounts WordErrors(string reference, string hypothesis) => Align(Words(reference), Words(hypothesis));

    /// <summary>Character errors (CER) of one utterance, over the characters of the normalised text, spaces included.</summary>
    public static ErrorCounts CharacterErrors(string reference, string hypothesis) =>
        Align(Normalize(reference).ToCharArray(), Normalize(hypothesis).ToCharArray());

    /// <summary>Phone errors (PER) of one utterance; texts are space-separated phones.</summary>
    public static ErrorCounts TokenErrors(string reference, string hypothesis) => WordErrors(reference, hypothesis);

    static string Normalize(string text) => string.Join(' ', Words(text));
}
