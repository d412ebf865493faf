using Parp.Tests.Support;
using Parp.Text;
using static Parp.Text.SentencePieceVocabulary;

namespace Parp.Tests.Text;

/// <summary>XLNet's inputs as transformers' XLNetTokenizer builds them, on SentencePiece models made here: a unigram model
/// of a small corpus, and one written piece by piece where a test needs a given piece.</summary>
public class XLNetTextEncoderTests
{
    static readonly string[] Corpus = ["the cat runs fast", "the dog runs", "a cat is slow", "the dog is fast", "a red cat runs"];

    static XLNetTextEncoder Encoder(TempDir dir, int maxLength = 64)
    {
        Write(Build(Corpus, 80), dir.File("spiece.model"));
        return XLNetTextEncoder.FromModel(dir.File("spiece.model"), maxLength: maxLength);
    }

    [Fact]
    public void The_model_made_from_a_corpus_has_xlnets_specials_and_spells_every_text()
    {
        var pieces = Build(Corpus, 80);
        Assert.Equal(Specials, pieces.Take(9).Select(p => p.Text));
        Assert.Contains(pieces, p => p.Text == "▁the");                       // frequent words are pieces
        Assert.DoesNotContain(pieces, p => p.Text == "▁slow");                // a word seen once is not
        using var dir = new TempDir();
        var encoder = Encoder(dir);
        Assert.Equal(["▁the", "▁cat", "▁runs"], encoder.Pieces("the  cat runs"));
        var spelled = encoder.Pieces("slow rat");
        Assert.Equal("▁slow▁rat", string.Concat(spelled));                      // spelled from characters
        Assert.True(spelled.Count > 2);
        Assert.Throws<ArgumentException>(() => Build(Corpus, 20));              // too small for the characters
    }

    [Fact]
    public void One_or_two_texts_end_in_sep_and_cls_with_xlnets_token_types()
    {
        using var dir = new TempDir();
        var encoder = Encoder(dir);
        int Id(string piece) => encoder.Encode(piece.TrimStart('▁')).Ids[0];
        var (ids, types) = encoder.Encode("the cat", "a dog");
        Assert.Equal([Id("▁the"), Id("▁cat"), encoder.SeparatorId, Id("▁a"), Id("▁dog"), encoder.SeparatorId, encoder.ClassificationId], ids);
        Assert.Equal([0, 0, 0, 1, 1, 1, 2], types);
        Assert.Equal((4, 3), (encoder.SeparatorId, encoder.ClassificationId));   // XLNet's ids for <sep> and <cls>
        (ids, types) = encoder.Encode("the dog");
        Assert.Equal([Id("▁the"), Id("▁dog"), 4, 3], ids);
        Assert.Equal([0, 0, 0, 2], types);
        // Six at most: the second text (the longer) loses "runs", then on a tie the second loses "dog".
        (ids, _) = Encoder(dir, maxLength: 6).Encode("the cat", "a dog runs");
        Assert.Equal([Id("▁the"), Id("▁cat"), 4, Id("▁a"), 4, 3], ids);
    }

    [Fact]
    public void A_batch_is_padded_on_the_left_so_that_cls_ends_every_row()
    {
        using var dir = new TempDir();
        var encoder = Encoder(dir);
        var (ids, mask, types) = encoder.Batch([("the cat runs", null), ("a dog", null)]);
        Assert.Equal([2L, 5], ids.shape);
        Assert.Equal([5L, 3], ids[1].data<long>().Take(1).Concat(ids[1].data<long>().TakeLast(1)));   // <pad> first, <cls> last
        Assert.Equal([0L, 1, 1, 1, 1], mask[1].data<long>());
        Assert.Equal([3L, 0, 0, 0, 2], types[1].data<long>());
        Assert.All(ids.select(1, -1).data<long>(), id => Assert.Equal(3, id));
    }

    [Fact]
    public void Text_is_cleaned_as_transformers_cleans_it_and_a_comma_after_a_number_is_split_off()
    {
        using var dir = new TempDir();
        Assert.Equal("A \"quoted\" cafe", Encoder(dir).Clean("  A ``quoted''\t café "));
        // A model whose pieces hold "▁12," whole: transformers splits it into "▁12" and ",".
        var pieces = Specials.Select(s => new Piece(s, 0)).ToList();
        pieces.AddRange(new[] { "▁", "1", "2", "3", ",", "▁1", "▁3" }.Select(p => new Piece(p, -5)));
        pieces.AddRange([new Piece("▁12,", -1), new Piece("▁12", -2)]);
        Write(pieces, dir.File("numbers.model"));
        var encoder = XLNetTextEncoder.FromModel(dir.File("numbers.model"));
        Assert.Equal(["▁12", ",", "▁3"], encoder.Pieces("12, 3"));
    }

    [Fact]
    public void A_missing_or_damaged_model_is_an_error_naming_the_file()
    {
        using var dir = new TempDir();
        Assert.Contains("nothing.model", Assert.Throws<FileNotFoundException>(() => XLNetTextEncoder.FromModel(dir.File("nothing.model"))).Message);
        File.WriteAllText(dir.File("bad.model"), "not a protobuf at all");
        Assert.Contains("bad.model", Assert.ThrowsAny<Exception>(() => XLNetTextEncoder.FromModel(dir.File("bad.model"))).Message);
    }
}
