using Parp.Data;
using static TorchSharp.torch;

namespace Parp.Training;

/// <summary>How predicted and reference symbols become text and which error rate counts.</summary>
public enum TranscriptKind
{
    /// <summary>English letters with <c>|</c> between words: WER over words, CER over characters.</summary>
    Letters,
    /// <summary>Space-separated phones (IPA): PER over phone tokens.</summary>
    Phones,
}

/// <summary>
/// Greedy CTC decoding (docs/paper.md §6): argmax per frame, collapse repeats, drop the blank (0) and the other special
/// symbols, then map to text. No language model, as every reported PARP number.
/// </summary>
public static class CtcDecoding
{
    /// <summary>Symbol indices of one utterance from its frame-level argmax ids (first <paramref name="frames"/> frames).</summary>
    public static List<int> Collapse(ReadOnlySpan<long> argmax, int frames)
    {
        var result = new List<int>();
        long previous = -1;
        for (int t = 0; t < frames; t++)
        {
            long id = argmax[t];
            if (id != previous && id >= Vocabulary.Specials.Count) result.Add((int)id);
            previous = id;
        }
        return result;
    }

    /// <summary>Decodes logits [B, T, V] with the frame count of each row; returns symbol ids per utterance.</summary>
    public static List<int>[] Greedy(Tensor logits, IReadOnlyList<long> frames)
    {
        using var scope = NewDisposeScope();
        var ids = logits.argmax(-1).to_type(ScalarType.Int64).cpu();
        long b = ids.shape[0], t = ids.shape[1];
        var flat = ids.data<long>().ToArray();
        var result = new List<int>[b];
        for (int i = 0; i < b; i++)
            result[i] = Collapse(flat.AsSpan((int)(i * t), (int)t), (int)Math.Min(frames[i], t));
        return result;
    }

    /// <summary>
    /// Text of a symbol sequence. Letters: concatenate, <c>|</c> → space, strip and collapse spaces. Phones: the phones
    /// joined by single spaces (a word separator, when a phone vocabulary has one, is dropped). Specials are dropped.
    /// </summary>
    public static string ToText(IEnumerable<int> ids, Vocabulary vocabulary, TranscriptKind kind)
    {
        var symbols = ids.Where(i => i >= Vocabulary.Specials.Count).Select(i => vocabulary[i]);
        if (kind == TranscriptKind.Phones)
            return string.Join(' ', symbols.Where(s => s != "|"));
        var text = string.Concat(symbols).Replace('|', ' ');
        return string.Join(' ', text.Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }
}
