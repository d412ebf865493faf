using System.Text;
using Parp.Data.Corpora;
using Parp.Tests.Support;

namespace Parp.Tests.Data;

public class TextSourcesTests
{
    [Theory]
    [InlineData("hǎo", "hao3")]
    [InlineData("lǜ", "lü4")]
    [InlineData("yī", "yi1")]
    [InlineData("rén", "ren2")]
    [InlineData("de", "de5")]
    public void Pinyin_tone_marks_become_digits(string marked, string numbered) =>
        Assert.Equal(numbered, TextSources.ToneNumbered(marked));

    [Fact]
    public void Clauses_keep_only_all_letter_clauses_of_the_script()
    {
        var fr = CorpusLanguage.Get("fr");
        var clauses = TextSources.Clauses("Impossible d'ouvrir le fichier %s. Voulez-vous _continuer ? Erreur 404: page", fr)
            .Select(c => string.Join(' ', c)).ToList();
        Assert.Equal(["Voulez-vous continuer", "page"], clauses);

        var ru = CorpusLanguage.Get("ru");
        Assert.Equal([["Файл", "не", "найден"]], TextSources.Clauses("Файл не найден. File not found", ru).Take(1));
        Assert.Single(TextSources.Clauses("Файл не найден. File not found", ru)); // the English clause is dropped
    }

    [Fact]
    public void Mo_catalog_translations_are_read_in_both_byte_orders()
    {
        using var dir = new TempDir();
        foreach (bool bigEndian in new[] { false, true })
        {
            var path = dir.File($"t{bigEndian}.mo");
            File.WriteAllBytes(path, MoFile(bigEndian, ("", "Content-Type: text/plain; charset=UTF-8\n"), ("Open", "Öppna"), ("file", "fil\0filer")));
            Assert.Equal(["Öppna", "fil", "filer"], TextSources.MoTranslations(path));
        }
        File.WriteAllText(dir.File("bad.mo"), "this is not a catalog at all");
        Assert.Throws<InvalidDataException>(() => TextSources.MoTranslations(dir.File("bad.mo")).ToList());
    }

    [Fact]
    public void Word_sequences_fill_up_deterministically_without_repeating_sentences()
    {
        var words = Enumerable.Range(0, 60).Select(i => $"w{i}").ToList();
        var text = new TextSources.Text(["a real sentence here"], words);
        var a = TextSources.WithWordSequences(text, 500, seed: 9);
        Assert.Equal(500, a.Count);
        Assert.Equal("a real sentence here", a[0]);
        Assert.Equal(a.Count, a.Distinct().Count());
        Assert.Equal(a, TextSources.WithWordSequences(text, 500, seed: 9));
        Assert.All(a.Skip(1), s => Assert.InRange(s.Split(' ').Length, 4, 10));
    }

    // A GNU .mo file: header, original and translation tables (length, offset), then the strings.
    static byte[] MoFile(bool bigEndian, params (string Id, string Str)[] entries)
    {
        var strings = new MemoryStream();
        int n = entries.Length, tables = 28, stringsAt = tables + 16 * n;
        var origTable = new List<(int, int)>();
        var transTable = new List<(int, int)>();
        foreach (var (id, str) in entries) { origTable.Add(Put(id)); }
        foreach (var (id, str) in entries) { transTable.Add(Put(str)); }
        (int, int) Put(string s)
        {
            var b = Encoding.UTF8.GetBytes(s);
            int at = stringsAt + (int)strings.Length;
            strings.Write(b); strings.WriteByte(0);
            return (b.Length, at);
        }
        var output = new List<byte>();
        void U32(uint v) { var b = BitConverter.GetBytes(v); if (bigEndian) Array.Reverse(b); output.AddRange(b); }
        U32(0x950412de); U32(0); U32((uint)n); U32((uint)tables); U32((uint)(tables + 8 * n)); U32(0); U32(0);
        foreach (var (len, at) in origTable.Concat(transTable)) { U32((uint)len); U32((uint)at); }
        output.AddRange(strings.ToArray());
        return output.ToArray();
    }
}
