using Parp.Data;

namespace Parp.Tests.Data;

/// <summary>Inputs are real espeak-ng 1.51 --ipa outputs for each language.</summary>
public class IpaTokenizerTests
{
    static string Phones(string lang, string ipa) => IpaTokenizer.ForLanguage(lang).ToPhoneLine(ipa);

    [Theory]
    // stress dropped, words and lines joined
    [InlineData("es", "el nˈiɲo komjˈo\ni ðespwˈes", "e l n i ɲ o k o m j o i ð e s p w e s")]
    // nasal vowels keep their combining tilde; liaison hyphens dropped
    [InlineData("fr", "le-z ɑ̃fˈɑ̃z ˈɔ̃", "l e z ɑ̃ f ɑ̃ z ɔ̃")]
    // gemination/length mark stays with its phone; affricate dʒ is one phone
    [InlineData("it", "kˌome stˈaj ˈɔdʒːɪ", "k o m e s t a j ɔ dʒː ɪ")]
    // palatalisation ʲ stays with its consonant
    [InlineData("ru", "prʲivʲˈet fsʲˈɵ", "p rʲ i vʲ e t f sʲ ɵ")]
    [InlineData("sv", "hˈʉr mˈoːr dʉ ˈɪdˌɑːɡ", "h ʉ r m oː r d ʉ ɪ d ɑː ɡ")]
    [InlineData("tr", "buɡˈøn tʃˈɔk ɟyzˈæl", "b u ɡ ø n tʃ ɔ k ɟ y z æ l")]
    [InlineData("nl", "ɣˈudəmˌɔrɣən hˈu ɣˈaːt", "ɣ u d ə m ɔ r ɣ ə n h u ɣ aː t")]
    [InlineData("tt", "ʃæhˈær ʑˈir", "ʃ æ h æ r ʑ i r")]
    // ky ASCII leaks: [ dropped, : → ː, tS → tʃ, oe → ø, dZ → dʒ, N → ŋ, S → ʃ
    [InlineData("ky", "qˌɯrʁɯzst[ˈɑn ˌeɡemend[ˈy:", "q ɯ r ʁ ɯ z s t ɑ n e ɡ e m e n d yː")]
    [InlineData("ky", "ɑtSˈɯq oelkˈoe dZɑNˈɯ Sˈɑ:r", "ɑ tʃ ɯ q ø l k ø dʒ ɑ ŋ ɯ ʃ ɑː r")]
    // Mandarin: retroflex and apical leaks repaired, aspiration attached, lossy tone marks dropped
    [InlineData("zh", "ts.hˈi.ɜ s.ˈi.2 ʐˈi.5 tsˈi̪5 tshˈi̪ɜ", "tʂʰ ɨ ʂ ɨ ʐ ɨ ts ɿ tsʰ ɿ")]
    [InlineData("zh", "nˈiɜ χˈɑuɜ tɕhˈuɜŋ", "n i χ ɑ u tɕʰ u ŋ")]
    public void Tokenizes_espeak_ipa(string lang, string ipa, string expected) => Assert.Equal(expected, Phones(lang, ipa));

    [Fact]
    public void Language_switch_markers_are_not_phones()
    {
        const string ipa = "yn aksjˈɔ̃ (en)ɪnstˈɛd(fr) səlˈɛkt";
        Assert.True(IpaTokenizer.HasLanguageSwitch(ipa));
        Assert.False(IpaTokenizer.HasLanguageSwitch("yn aksjˈɔ̃"));
        Assert.Equal("y n a k s j ɔ̃ ɪ n s t ɛ d s ə l ɛ k t", Phones("fr", ipa));
    }

    [Theory]
    [InlineData("tʃ", true)]
    [InlineData("ɑ̃", true)]
    [InlineData("nʲ", true)]
    [InlineData("X", false)]
    [InlineData("y:", false)]
    [InlineData("s.", false)]
    [InlineData("5", false)]
    [InlineData("", false)]
    public void IsIpa_catches_ascii_phoneme_names(string phone, bool ipa) => Assert.Equal(ipa, IpaTokenizer.IsIpa(phone));

    [Fact]
    public void Tie_bar_joins_two_letters_into_one_phone() =>
        Assert.Equal(["t͡ʃ", "a"], IpaTokenizer.ForLanguage("es").Tokenize("t͡ʃa"));

    [Fact]
    public void Precomposed_and_decomposed_nasal_vowels_give_the_same_phone() =>
        Assert.Equal(Phones("fr", "ã"), Phones("fr", "a\u0303"));

    [Fact]
    public void No_ascii_leak_survives_in_repaired_languages()
    {
        var ky = IpaTokenizer.ForLanguage("ky").Tokenize("qˌɯrʁɯzst[ˈɑn ˌeɡemend[ˈy: oelkˈoe");
        Assert.DoesNotContain(ky, p => p.Any(c => c is '[' or ':' || char.IsAsciiLetterUpper(c)));
    }
}
