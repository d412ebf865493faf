using Parp.Data;
using Parp.Tests.Support;

namespace Parp.Tests.Data;

public class ManifestTests
{
    [Fact]
    public void Tsv_and_labels_round_trip()
    {
        using var dir = new TempDir();
        var m = new Manifest("/data/LibriSpeech", [new("a/1.flac", 16000), new("b/2.flac", 23456)]);
        m.Write(dir.File("train.tsv"));
        LabelFile.Write(dir.File("train.ltr"), ["H I |", "Y O U |"]);

        var back = Manifest.Read(dir.File("train.tsv"));

        Assert.Equal("/data/LibriSpeech", back.Root);
        Assert.Equal(m.Entries, back.Entries);
        Assert.Equal("/data/LibriSpeech/b/2.flac", back.FullPath(1));
        Assert.Equal("/data/LibriSpeech\na/1.flac\t16000\nb/2.flac\t23456\n", File.ReadAllText(dir.File("train.tsv")));
        Assert.Equal(["H I |", "Y O U |"], LabelFile.Read(dir.File("train.ltr"), back.Count));
    }

    [Fact]
    public void Relative_root_resolves_against_the_given_base()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("x.tsv"), "en\nu1.wav\t100\n");
        Assert.Equal("/cache/corpora/en", Manifest.Read(dir.File("x.tsv"), "/cache/corpora").Root);
        Assert.Equal(Path.Combine(dir.Path, "en"), Manifest.Read(dir.File("x.tsv")).Root);
    }

    [Theory]
    [InlineData("", 1, "root folder")]
    [InlineData("/r\na.wav 100\n", 2, "path TAB num_samples")]
    [InlineData("/r\na.wav\t100\nb.wav\tlots\n", 3, "positive integer")]
    [InlineData("/r\na.wav\t0\n", 2, "positive integer")]
    [InlineData("/r\na.wav\t5\n\nb.wav\t5\n", 3, "empty line")]
    public void Bad_lines_name_file_and_line(string content, int line, string problem)
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("bad.tsv"), content);
        var e = Assert.Throws<DataFormatException>(() => Manifest.Read(dir.File("bad.tsv")));
        Assert.Equal(line, e.Line);
        Assert.Contains(problem, e.Message);
        Assert.StartsWith(dir.File("bad.tsv") + ":" + line, e.Message);
    }

    [Fact]
    public void Missing_audio_names_manifest_line_and_file()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("a.wav"), "x");
        File.WriteAllText(dir.File("m.tsv"), $"{dir.Path}\na.wav\t10\ngone.wav\t10\n");
        var e = Assert.Throws<DataFormatException>(() => Manifest.Read(dir.File("m.tsv")).VerifyFilesExist());
        Assert.Equal(3, e.Line);
        Assert.Contains("gone.wav", e.Message);
    }

    [Fact]
    public void Label_problems_are_reported_with_their_line()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("t.ltr"), "H I |\n\nO K |\n");
        Assert.Equal(2, Assert.Throws<DataFormatException>(() => LabelFile.Read(dir.File("t.ltr"))).Line);
        File.WriteAllText(dir.File("t.ltr"), "H I |\nO K |\n");
        Assert.Contains("2 transcripts for 3", Assert.Throws<DataFormatException>(() => LabelFile.Read(dir.File("t.ltr"), 3)).Message);
        File.WriteAllText(dir.File("t.ltr"), "H I |\nO K 7 |\n");
        var e = Assert.Throws<DataFormatException>(() => LabelFile.ReadEncoded(dir.File("t.ltr"), Vocabulary.Letters));
        Assert.Equal(2, e.Line);
        Assert.Contains("'7'", e.Message);
    }

    [Fact]
    public void A_failed_write_keeps_the_old_file()
    {
        using var dir = new TempDir();
        LabelFile.Write(dir.File("t.wrd"), ["GOOD"]);
        Assert.Throws<ArgumentException>(() => LabelFile.Write(dir.File("t.wrd"), ["NEW", ""]));
        Assert.Equal(["GOOD"], File.ReadAllLines(dir.File("t.wrd")));
        Assert.Single(Directory.GetFiles(dir.Path)); // and no temporary left behind
    }
}
