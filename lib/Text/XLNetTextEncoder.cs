using System.Globalization;
using System.Text;
using Microsoft.ML.Tokenizers;
using static TorchSharp.torch;

namespace Parp.Text;

/// <summary>
/// XLNet's inputs from text, as transformers' XLNetTokenizer builds them: the text cleaned as its preprocess_text
/// cleans it (whitespace runs collapsed, <c>``</c> and <c>''</c> as <c>"</c>, accents stripped unless kept, lower case if
/// asked), SentencePiece pieces from a checkpoint's <c>spiece.model</c> (Microsoft.ML.Tokenizers), a digit before a
/// final comma split off as transformers does; then <c>a &lt;sep&gt; &lt;cls&gt;</c> or
/// <c>a &lt;sep&gt; b &lt;sep&gt; &lt;cls&gt;</c> with token types 0, 1 and 2 for &lt;cls&gt;, cut to
/// <see cref="MaxLength"/> longest-first, and batches padded on the left (type 3, mask 0), so that &lt;cls&gt; is
/// every row's last token.
/// </summary>
public sealed class XLNetTextEncoder : ITextEncoder
{
    readonly SentencePieceTokenizer tokenizer;
    readonly Dictionary<string, int> pieceIds;     // every piece, control pieces included, as sentencepiece's PieceToId
    readonly bool lowerCase, keepAccents;
    readonly int unknownId;

    public int MaxLength { get; }
    public int SeparatorId { get; }
    public int ClassificationId { get; }
    public int PaddingId { get; }

    /// <summary>transformers' pad_token_type_id for XLNet.</summary>
    public const int PaddingTokenType = 3;
    /// <summary>transformers' cls_segment_id.</summary>
    public const int ClassificationTokenType = 2;

    XLNetTextEncoder(SentencePieceTokenizer tokenizer, IReadOnlyList<string> pieces, bool lowerCase, bool keepAccents, int maxLength, string source)
    {
        (this.tokenizer, this.lowerCase, this.keepAccents, MaxLength) = (tokenizer, lowerCase, keepAccents, maxLength);
        pieceIds = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < pieces.Count; i++) pieceIds.TryAdd(pieces[i], i);
        int Id(string piece) => pieceIds.TryGetValue(piece, out var id) ? id
            : throw new InvalidDataException($"{source}: no piece '{piece}', which XLNet's inputs need");
        (SeparatorId, ClassificationId, PaddingId) = (Id("<sep>"), Id("<cls>"), Id("<pad>"));
        unknownId = tokenizer.UnknownId;
    }

    /// <summary>The encoder of <paramref name="spieceModel"/>, as xlnet-base-cased's tokenizer is set (cased, accents
    /// stripped) unless told otherwise.</summary>
    public static XLNetTextEncoder FromModel(string spieceModel, bool lowerCase = false, bool keepAccents = false, int maxLength = 128)
    {
        if (!File.Exists(spieceModel)) throw new FileNotFoundException($"{spieceModel}: no SentencePiece model (spiece.model)", spieceModel);
        if (maxLength < 2) throw new ArgumentException($"max length {maxLength}: <sep> <cls> needs at least 2");
        var pieces = SentencePieceVocabulary.ReadPieces(spieceModel);
        SentencePieceTokenizer tokenizer;
        using (var stream = File.OpenRead(spieceModel))
        {
            try { tokenizer = SentencePieceTokenizer.Create(stream, addBeginningOfSentence: false, addEndOfSentence: false); }
            catch (Exception e) when (e is not (FileNotFoundException or UnauthorizedAccessException))
            { throw new InvalidDataException($"{spieceModel}: not a SentencePiece model this reader accepts: {e.Message}", e); }
        }
        return new(tokenizer, pieces, lowerCase, keepAccents, maxLength, spieceModel);
    }

    /// <summary>transformers' XLNetTokenizer.preprocess_text.</summary>
    public string Clean(string text)
    {
        var s = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).Replace("``", "\"").Replace("''", "\"");
        if (!keepAccents)
        {
            var kept = new StringBuilder();
            foreach (var c in s.Normalize(NormalizationForm.FormKD))
                if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark) kept.Append(c);
            s = kept.ToString();
        }
        return lowerCase ? s.ToLowerInvariant() : s;
    }

    /// <summary>The pieces of one text, as XLNetTokenizer._tokenize gives them.</summary>
    public List<string> Pieces(string text)
    {
        var pieces = new List<string>();
        foreach (var piece in Raw(Clean(text)))
        {
            // "9," → "9" "," (transformers splits a comma off a number piece so that numbers read alike in lists).
            if (piece.Length > 1 && piece[^1] == ',' && char.IsDigit(piece[^2]))
            {
                var again = Raw(piece[..^1].Replace(SentencePieceVocabulary.Boundary.ToString(), ""));
                if (piece[0] != SentencePieceVocabulary.Boundary && again.Count > 0 && again[0][0] == SentencePieceVocabulary.Boundary)
                {
                    if (again[0].Length == 1) again.RemoveAt(0);
                    else again[0] = again[0][1..];
                }
                pieces.AddRange(again);
                pieces.Add(",");
            }
            else pieces.Add(piece);
        }
        return pieces;
    }

    List<string> Raw(string text) => tokenizer.EncodeToTokens(text, out _, addBeginningOfSentence: false, addEndOfSentence: false,
        considerPreTokenization: true, considerNormalization: true).Select(t => t.Value).ToList();

    int IdOf(string piece) => pieceIds.TryGetValue(piece, out var id) ? id : unknownId;

    /// <summary>The ids and token types of one example.</summary>
    public (int[] Ids, int[] TokenTypes) Encode(string a, string? b = null)
    {
        var first = Pieces(a).Select(IdOf).ToList();
        var second = b is null ? null : Pieces(b).Select(IdOf).ToList();
        TextBatches.TruncateLongestFirst(first, second, MaxLength - (second is null ? 2 : 3));
        var ids = new List<int>(first) { SeparatorId };
        var types = Enumerable.Repeat(0, ids.Count).ToList();
        if (second is not null)
        {
            ids.AddRange(second);
            ids.Add(SeparatorId);
            types.AddRange(Enumerable.Repeat(1, second.Count + 1));
        }
        ids.Add(ClassificationId);
        types.Add(ClassificationTokenType);
        return (ids.ToArray(), types.ToArray());
    }

    /// <summary>A batch [B, T] padded on the left to its longest row: input ids, attention mask (1: a token) and token types.</summary>
    public (Tensor InputIds, Tensor AttentionMask, Tensor TokenTypeIds) Batch(IReadOnlyList<(string A, string? B)> texts) => Batch(texts, 1);

    /// <summary>A batch padded on the left to its longest row rounded up to a multiple of <paramref name="padToMultipleOf"/>
    /// (permutation pre-training needs an even length).</summary>
    public (Tensor InputIds, Tensor AttentionMask, Tensor TokenTypeIds) Batch(IReadOnlyList<(string A, string? B)> texts, int padToMultipleOf) =>
        TextBatches.Pad(texts.Select(t => Encode(t.A, t.B)).ToList(), PaddingId, PaddingTokenType, onTheLeft: true, padToMultipleOf);

    /// <summary>The id of <paramref name="piece"/> (control pieces included); null when the model has no such piece.</summary>
    public int? PieceId(string piece) => pieceIds.TryGetValue(piece, out var id) ? id : null;
}
