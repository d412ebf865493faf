using System.Text;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Parp.IO;

namespace Parp.Text;

/// <summary>
/// A SentencePiece unigram model (<c>spiece.model</c>, the protobuf XLNet's tokenizer reads) made from a corpus, for a
/// model this project makes itself: XLNet's nine special pieces at XLNet's ids, every character of the corpus alone
/// and after the word boundary <c>▁</c>, so that every text has a spelling, then the most frequent words (at least two
/// occurrences) as <c>▁word</c>, until the size is reached. Each piece scores the log of its relative frequency, as a
/// unigram model's pieces do after training (one counting pass here, not SentencePiece's EM). Cased; no normalisation
/// beyond SentencePiece's whitespace handling.
/// </summary>
public static class SentencePieceVocabulary
{
    /// <summary>XLNet's special pieces, ids 0–8 as xlnet-base-cased has them.</summary>
    public static readonly string[] Specials = ["<unk>", "<s>", "</s>", "<cls>", "<sep>", "<pad>", "<mask>", "<eod>", "<eop>"];

    /// <summary>SentencePiece's word-boundary mark.</summary>
    public const char Boundary = '\u2581';

    public sealed record Piece(string Text, float Score);

    /// <summary>The pieces of <paramref name="texts"/>, at most <paramref name="size"/> with the specials, in id order.</summary>
    public static List<Piece> Build(IEnumerable<string> texts, int size)
    {
        var words = new Dictionary<string, int>(StringComparer.Ordinal);
        var characters = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var text in texts)
            foreach (Match m in Word.Matches(text))
            {
                var piece = Boundary + m.Value;
                words[piece] = words.GetValueOrDefault(piece) + 1;
                foreach (var r in piece.EnumerateRunes()) characters[r.ToString()] = characters.GetValueOrDefault(r.ToString()) + 1;
            }
        var singles = characters.Keys.Order(StringComparer.Ordinal).ToList();
        var startPieces = singles.Where(c => c[0] != Boundary).Select(c => Boundary + c).ToList();
        int fixedCount = Specials.Length + singles.Count + startPieces.Count;
        if (fixedCount > size)
            throw new ArgumentException($"a vocabulary of {size} cannot hold the corpus's {singles.Count} characters twice and the specials");
        var taken = new HashSet<string>(singles.Concat(startPieces), StringComparer.Ordinal);
        var frequent = words.Where(kv => kv.Value >= 2 && !taken.Contains(kv.Key))
            .OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Take(size - fixedCount).ToList();
        // Log relative frequencies over every counted piece; a start piece counts as often as its character starts a word.
        var counts = new Dictionary<string, int>(characters, StringComparer.Ordinal);
        foreach (var s in startPieces) counts[s] = words.Where(kv => kv.Key.Length > 1 && kv.Key.AsSpan(1).StartsWith(s.AsSpan(1))).Sum(kv => kv.Value);
        foreach (var (w, c) in frequent) counts[w] = c;
        double total = counts.Values.Sum(c => (double)Math.Max(c, 1));
        float Score(string p) => (float)Math.Log(Math.Max(counts[p], 1) / total);
        var pieces = Specials.Select(s => new Piece(s, 0f)).ToList();
        pieces.AddRange(singles.Concat(startPieces).Concat(frequent.Select(kv => kv.Key)).Select(p => new Piece(p, Score(p))));
        return pieces;
    }

    // Runs of letters and digits, or one other visible character: the words a piece may span.
    static readonly Regex Word = new(@"[\p{L}\p{N}]+|[^\s\p{L}\p{N}]", RegexOptions.Compiled);

    /// <summary>The pieces of a SentencePiece model file in id order (control pieces included, which a tokenizer's
    /// vocabulary may leave out), as sentencepiece's PieceToId numbers them; a file that is not a ModelProto is an
    /// <see cref="InvalidDataException"/> naming it.</summary>
    public static List<string> ReadPieces(string file)
    {
        var pieces = new List<string>();
        try
        {
            var input = new CodedInputStream(File.ReadAllBytes(file));
            for (uint tag; (tag = input.ReadTag()) != 0;)
            {
                if (WireFormat.GetTagFieldNumber(tag) != 1) { input.SkipLastField(); continue; }
                var piece = new CodedInputStream(input.ReadBytes().ToByteArray());
                string? text = null;
                for (uint t; (t = piece.ReadTag()) != 0;)
                    if (WireFormat.GetTagFieldNumber(t) == 1) text = piece.ReadString(); else piece.SkipLastField();
                pieces.Add(text ?? throw new InvalidDataException($"{file}: piece {pieces.Count} has no text"));
            }
        }
        catch (InvalidProtocolBufferException e) { throw new InvalidDataException($"{file}: not a SentencePiece model ({e.Message})", e); }
        return pieces.Count > 0 ? pieces : throw new InvalidDataException($"{file}: a SentencePiece model with no pieces");
    }

    /// <summary>Writes <paramref name="pieces"/> as a SentencePiece ModelProto (unigram; &lt;unk&gt; 0, &lt;s&gt; 1,
    /// &lt;/s&gt; 2, the other specials as control pieces), atomically.</summary>
    public static void Write(IReadOnlyList<Piece> pieces, string file) =>
        AtomicFile.WriteVia(file, tmp => File.WriteAllBytes(tmp, ModelProto(pieces)));

    // ModelProto (sentencepiece_model.proto): pieces = 1 {piece = 1, score = 2, type = 3}; trainer_spec = 2 {model_type = 3,
    // unk_id = 40, bos_id = 41, eos_id = 42, pad_id = 43}; normalizer_spec = 3 {name = 1, add_dummy_prefix = 3,
    // remove_extra_whitespaces = 4, escape_whitespaces = 5}.
    static byte[] ModelProto(IReadOnlyList<Piece> pieces)
    {
        const int Normal = 1, Unknown = 2, Control = 3, Unigram = 1;
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        void Message(int field, Action<CodedOutputStream> write)
        {
            using var inner = new MemoryStream();
            var o = new CodedOutputStream(inner);
            write(o);
            o.Flush();
            output.WriteTag(field, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(ByteString.CopyFrom(inner.ToArray()));
        }
        for (int i = 0; i < pieces.Count; i++)
        {
            var p = pieces[i];
            int type = i == 0 ? Unknown : i < Specials.Length ? Control : Normal;
            Message(1, o =>
            {
                o.WriteTag(1, WireFormat.WireType.LengthDelimited); o.WriteString(p.Text);
                o.WriteTag(2, WireFormat.WireType.Fixed32); o.WriteFloat(p.Score);
                o.WriteTag(3, WireFormat.WireType.Varint); o.WriteEnum(type);
            });
        }
        Message(2, o =>
        {
            o.WriteTag(3, WireFormat.WireType.Varint); o.WriteEnum(Unigram);
            o.WriteTag(40, WireFormat.WireType.Varint); o.WriteInt32(0);
            o.WriteTag(41, WireFormat.WireType.Varint); o.WriteInt32(1);
            o.WriteTag(42, WireFormat.WireType.Varint); o.WriteInt32(2);
            o.WriteTag(43, WireFormat.WireType.Varint); o.WriteInt32(-1);
        });
        Message(3, o =>
        {
            o.WriteTag(1, WireFormat.WireType.LengthDelimited); o.WriteString("identity");
            o.WriteTag(3, WireFormat.WireType.Varint); o.WriteBool(true);
            o.WriteTag(4, WireFormat.WireType.Varint); o.WriteBool(true);
            o.WriteTag(5, WireFormat.WireType.Varint); o.WriteBool(true);
        });
        output.Flush();
        return buffer.ToArray();
    }
}
