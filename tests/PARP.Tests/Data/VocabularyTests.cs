using Parp.Data;
using Parp.Tests.Support;

namespace Parp.Tests.Data;

public class VocabularyTests
{
    [Fact]
    public void Letters_match_the_hugging_face_wav2vec2_base_960h_order()
    {
        var v = Vocabulary.Letters;
        Assert.Equal(32, v.Count);
        Assert.Equal(["<pad>", "<s>", "</s>", "<unk>", "|", "E", "T", "A", "O"], v.Symbols.Take(9));
        Assert.Equal(Vocabulary.BlankIndex, v["<pad>"]);
        Assert.Equal(27, v["'"]);
        Assert.Equal(31, v["Z"]);
    }

    [Fact]
    public void Hf_json_and_fairseq_dict_round_trip()
    {
        using var dir = new TempDir();
        Vocabulary.Letters.SaveHfJson(dir.File("vocab.json"));
        Vocabulary.Letters.SaveFairseqDict(dir.File("dict.ltr.txt"));

        Assert.Equal(Vocabulary.Letters.Symbols, Vocabulary.LoadHfJson(dir.File("vocab.json")).Symbols);
        Assert.Equal(Vocabulary.Letters.Symbols, Vocabulary.LoadFairseqDict(dir.File("dict.ltr.txt")).Symbols);
        var dict = File.ReadAllLines(dir.File("dict.ltr.txt"));
        Assert.Equal(28, dict.Length); // fairseq adds its 4 specials itself
        Assert.Equal("| 1", dict[0]);
        Assert.Contains("\"<pad>\": 0", File.ReadAllText(dir.File("vocab.json")));
    }

    [Fact]
    public void Encode_decode_round_trip_and_unknown_symbols_are_named()
    {
        var ids = Vocabulary.Letters.Encode("H I | T H E R E |");
        Assert.Equal("H I | T H E R E |", Vocabulary.Letters.Decode(ids));
        var e = Assert.Throws<ArgumentException>(() => Vocabulary.Letters.Encode("H É |"));
        Assert.Contains("'É'", e.Message);
    }

    [Fact]
    public void Phone_vocabulary_orders_by_count_after_the_specials()
    {
        var v = Vocabulary.FromCounts(["a", "b", "a", "ʃ", "a", "b"]);
        Assert.Equal(["<pad>", "<s>", "</s>", "<unk>", "a", "b", "ʃ"], v.Symbols);
    }

    [Fact]
    public void Bad_vocab_files_name_file_and_line()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("dict.txt"), "A 3\nB\n");
        var e = Assert.Throws<DataFormatException>(() => Vocabulary.LoadFairseqDict(dir.File("dict.txt")));
        Assert.Equal(2, e.Line);
        File.WriteAllText(dir.File("vocab.json"), "{\"<pad>\": 0, \"<s>\": 1, \"</s>\": 2, \"<unk>\": 5}");
        Assert.Throws<DataFormatException>(() => Vocabulary.LoadHfJson(dir.File("vocab.json")));
    }
}

public class LetterTextTests
{
    [Theory]
    [InlineData("Hello world", "H E L L O | W O R L D |")]
    [InlineData("  Don’t   stop-now! ", "D O N ' T | S T O P | N O W |")]
    [InlineData("Café", "C A F E |")]
    [InlineData("TAKE 'EM O'ER", "T A K E | ' E M | O ' E R |")] // LibriSpeech keeps edge apostrophes
    public void Words_become_letter_targets(string text, string letters)
    {
        Assert.Equal(letters, LetterText.ToLetters(text));
        Assert.All(Vocabulary.Letters.Encode(letters), id => Assert.True(id >= 4 || id == 4));
    }

    [Fact]
    public void Letters_back_to_words() => Assert.Equal("HELLO WORLD", LetterText.ToWords("H E L L O | W O R L D |"));

    [Theory]
    [InlineData("room 101")]
    [InlineData("привет")]
    public void Characters_without_a_spelling_are_errors(string text) =>
        Assert.Throws<ArgumentException>(() => LetterText.ToLetters(text));

    [Fact]
    public void Empty_transcript_is_an_error() => Assert.Throws<ArgumentException>(() => LetterText.ToLetters(" ... "));
}
