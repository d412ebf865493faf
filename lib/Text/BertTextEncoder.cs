using Microsoft.ML.Tokenizers;
using static TorchSharp.torch;

namespace Parp.Text;

/// <summary>
/// BERT's inputs from text, as transformers' BertTokenizer builds them: WordPiece ids from a checkpoint's
/// <c>vocab.txt</c> (Microsoft.ML.Tokenizers), <c>[CLS] a [SEP]</c> or <c>[CLS] a [SEP] b [SEP]</c> with token types 0
/// then 1, cut to <see cref="MaxLength"/> longest-first (the longer text loses its last token, the second on a tie), and
/// batches padded to their longest row with an attention mask.
/// </summary>
public sealed class BertTextEncoder : ITextEncoder
{
    readonly BertTokenizer tokenizer;

    /// <summary>The most tokens a row may have, special tokens included.</summary>
    public int MaxLength { get; }

    BertTextEncoder(BertTokenizer tokenizer, int maxLength) { this.tokenizer = tokenizer; MaxLength = maxLength; }

    /// <summary>The encoder of <paramref name="vocabFile"/>; <paramref name="lowerCase"/> as the checkpoint was trained
    /// (bert-base-uncased: true). Lower casing strips accents too, as transformers' BertTokenizer does when
    /// <c>strip_accents</c> is left unset.</summary>
    public static BertTextEncoder FromVocabulary(string vocabFile, bool lowerCase = true, int maxLength = 128)
    {
        if (!File.Exists(vocabFile)) throw new FileNotFoundException($"{vocabFile}: no WordPiece vocabulary (vocab.txt)", vocabFile);
        if (maxLength < 3) throw new ArgumentException($"max length {maxLength}: [CLS] a [SEP] needs at least 3");
        return new(BertTokenizer.Create(vocabFile, new BertOptions { LowerCaseBeforeTokenization = lowerCase, RemoveNonSpacingMarks = lowerCase }), maxLength);
    }

    public int PaddingId => tokenizer.PaddingTokenId;

    /// <summary>The ids and token types of one example.</summary>
    public (int[] Ids, int[] TokenTypes) Encode(string a, string? b = null)
    {
        var first = tokenizer.EncodeToIds(a, addSpecialTokens: false, considerPreTokenization: true, considerNormalization: true).ToList();
        var second = b is null ? null : tokenizer.EncodeToIds(b, addSpecialTokens: false, considerPreTokenization: true, considerNormalization: true).ToList();
        TextBatches.TruncateLongestFirst(first, second, MaxLength - (second is null ? 2 : 3));
        var ids = new List<int> { tokenizer.ClassificationTokenId };
        ids.AddRange(first);
        ids.Add(tokenizer.SeparatorTokenId);
        int firstLength = ids.Count;
        if (second is not null)
        {
            ids.AddRange(second);
            ids.Add(tokenizer.SeparatorTokenId);
        }
        return (ids.ToArray(), ids.Select((_, i) => i < firstLength ? 0 : 1).ToArray());
    }

    /// <summary>A batch [B, T] padded to its longest row: input ids, attention mask (1: a token) and token types.</summary>
    public (Tensor InputIds, Tensor AttentionMask, Tensor TokenTypeIds) Batch(IReadOnlyList<(string A, string? B)> texts) =>
        TextBatches.Pad(texts.Select(t => Encode(t.A, t.B)).ToList(), PaddingId, 0, onTheLeft: false);
}
