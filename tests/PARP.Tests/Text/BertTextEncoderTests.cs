using Parp.Tests.Support;
using Parp.Text;

namespace Parp.Tests.Text;

/// <summary>WordPiece inputs as transformers' BertTokenizer builds them, on a small vocab.txt.</summary>
public class BertTextEncoderTests
{
    static readonly string[] Vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "un", "##aff", "##able", "runs", ",", "fast", "dog", "a"];

    static BertTextEncoder Encoder(TempDir dir, int maxLength = 128)
    {
        File.WriteAllLines(dir.File("vocab.txt"), Vocabulary);
        return BertTextEncoder.FromVocabulary(dir.File("vocab.txt"), lowerCase: true, maxLength);
    }

    static int Id(string token) => Array.IndexOf(Vocabulary, token);

    [Fact]
    public void One_text_is_wordpieces_between_cls_and_sep()
    {
        using var dir = new TempDir();
        var (ids, types) = Encoder(dir).Encode("The unaffable dog runs, FAST zebra");
        Assert.Equal(new[] { "[CLS]", "the", "un", "##aff", "##able", "dog", "runs", ",", "fast", "[UNK]", "[SEP]" }.Select(Id), ids);
        Assert.All(types, t => Assert.Equal(0, t));
    }

    [Fact]
    public void Two_texts_get_their_token_types_and_lose_tokens_longest_first()
    {
        using var dir = new TempDir();
        var (ids, types) = Encoder(dir).Encode("the dog", "a dog runs");
        Assert.Equal(new[] { "[CLS]", "the", "dog", "[SEP]", "a", "dog", "runs", "[SEP]" }.Select(Id), ids);
        Assert.Equal([0, 0, 0, 0, 1, 1, 1, 1], types);
        // Six tokens at most: the second text (the longer) loses "runs", then on a tie the second loses "dog".
        (ids, _) = Encoder(dir, maxLength: 6).Encode("the dog", "a dog runs");
        Assert.Equal(new[] { "[CLS]", "the", "dog", "[SEP]", "a", "[SEP]" }.Select(Id), ids);
    }

    [Fact]
    public void A_batch_is_padded_with_a_mask_and_a_missing_vocabulary_is_named()
    {
        using var dir = new TempDir();
        var (inputIds, mask, typeIds) = Encoder(dir).Batch([("the dog", null), ("a dog", "runs fast")]);
        Assert.Equal([2L, 7L], inputIds.shape);
        Assert.Equal([1L, 1, 1, 1, 0, 0, 0], mask[0].data<long>().ToArray());
        Assert.Equal(Id("[PAD]"), inputIds[0, 6].item<long>());
        Assert.Equal([0L, 0, 0, 0, 1, 1, 1], typeIds[1].data<long>().ToArray());
        Assert.Contains("none.txt", Assert.Throws<FileNotFoundException>(() => BertTextEncoder.FromVocabulary(dir.File("none.txt"))).Message);
    }
}
