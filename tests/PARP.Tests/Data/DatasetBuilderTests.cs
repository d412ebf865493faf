using Parp.Audio;
using Parp.Data;
using Parp.Data.Datasets;
using Parp.Tests.Support;

namespace Parp.Tests.Data;

/// <summary>The real-dataset builders on folder trees with the real layouts, audio encoded with the real codecs.</summary>
public class DatasetBuilderTests
{
    static void Flac(string path, int samples, double hz)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var wav = Path.ChangeExtension(path, ".tmp.wav");
        WavWriter.WriteMono16(wav, Signals.Sine(hz, 16000, samples), 16000);
        var r = ExternalProgram.Run("flac", ["-s", "-f", "-o", path, wav], "apt-get install flac");
        Assert.True(r.ExitCode == 0, r.Stderr);
        File.Delete(wav);
    }

    // SPK-CHAP folder with two utterances and the transcript file LibriSpeech puts beside them.
    static void Chapter(string dir, string spk, string chap, params (int Samples, string Words)[] utts)
    {
        var folder = Path.Combine(dir, spk, chap);
        var lines = new List<string>();
        for (int i = 0; i < utts.Length; i++)
        {
            var id = $"{spk}-{chap}-{i:D4}";
            Flac(Path.Combine(folder, id + ".flac"), utts[i].Samples, 200 + 50 * i);
            lines.Add($"{id} {utts[i].Words}");
        }
        File.WriteAllLines(Path.Combine(folder, $"{spk}-{chap}.trans.txt"), lines);
    }

    [RequiresProgramFact("flac", "flac")]
    public void LibriSpeech_and_librilight_trees_give_the_paper_splits()
    {
        using var dir = new TempDir();
        var ft = Path.Combine(dir.Path, "librispeech_finetuning");
        Chapter(Path.Combine(ft, "1h", "0", "clean"), "103", "1240", (16000, "CHAPTER ONE"), (20000, "MISSUS RACHEL LYNDE"));
        Chapter(Path.Combine(ft, "1h", "0", "other"), "1089", "134686", (12000, "HE HOPED THERE WOULD BE STEW"));
        Chapter(Path.Combine(ft, "1h", "1", "clean"), "19", "198", (8000, "NORTHANGER ABBEY"));
        Chapter(Path.Combine(ft, "9h", "clean"), "26", "495", (9000, "THE STORY OF A DOG'S LIFE"));
        var ls = Path.Combine(dir.Path, "LibriSpeech");
        Chapter(Path.Combine(ls, "dev-clean"), "84", "121123", (11000, "GO DO YOU HEAR"));
        var output = Path.Combine(dir.Path, "manifests");

        var written = LibriSpeech.BuildAll(ft, ls, output);

        Assert.Equal(["train-10min-0", "train-1h", "train-10h", "dev-clean"], written);
        Assert.Equal(3, Manifest.Read(Path.Combine(output, "train-10min-0.tsv")).Count);
        Assert.Equal(4, Manifest.Read(Path.Combine(output, "train-1h.tsv")).Count);
        var tenHours = Manifest.Read(Path.Combine(output, "train-10h.tsv"));
        Assert.Equal(5, tenHours.Count);
        Assert.Equal(Path.Combine("1h", "0", "clean", "103", "1240", "103-1240-0000.flac"), tenHours.Entries[0].RelativePath);
        for (int i = 0; i < tenHours.Count; i++) // lengths from STREAMINFO equal the decoded lengths
            Assert.Equal(AudioFile.Load(tenHours.FullPath(i)).Length, tenHours.Entries[i].NumSamples);
        Assert.Contains("T H E | S T O R Y | O F | A | D O G ' S | L I F E |", File.ReadAllLines(Path.Combine(output, "train-10h.ltr")));
        Assert.Equal(["GO DO YOU HEAR"], File.ReadAllLines(Path.Combine(output, "dev-clean.wrd")));
        Assert.True(File.Exists(Path.Combine(output, "dict.ltr.txt")));
    }

    [RequiresProgramFact("flac", "flac")]
    public void Transcript_pointing_at_a_missing_file_names_the_transcript_line_and_file()
    {
        using var dir = new TempDir();
        var split = Path.Combine(dir.Path, "dev-clean");
        Chapter(split, "84", "121123", (11000, "GO DO YOU HEAR"));
        File.AppendAllText(Path.Combine(split, "84", "121123", "84-121123.trans.txt"), "84-121123-0009 WHERE IS IT\n");
        var e = Assert.Throws<DataFormatException>(() => LibriSpeech.BuildSplit(dir.Path, [split], dir.File("out"), "dev-clean"));
        Assert.Equal(2, e.Line);
        Assert.Contains("84-121123-0009.flac", e.Message);
        Assert.EndsWith(".trans.txt", e.File);
    }

    static string CommonVoiceTree(TempDir dir, params (string Clip, string Sentence)[] rows)
    {
        var lang = Path.Combine(dir.Path, "cv-corpus", "es");
        var clips = Path.Combine(lang, "clips");
        Directory.CreateDirectory(clips);
        foreach (var (clip, _) in rows)
        {
            var wav = Path.Combine(dir.Path, "tmp.wav");
            Signals.WriteWav(wav, [Signals.Sine(300, 48000, 48000)], 48000, 16, false); // CommonVoice clips are 48 kHz MP3
            var r = ExternalProgram.Run("lame", ["--quiet", wav, Path.Combine(clips, clip)], "apt-get install lame");
            Assert.True(r.ExitCode == 0, r.Stderr);
        }
        File.WriteAllLines(Path.Combine(lang, "train.tsv"),
            rows.Select(r => $"abc123\t{r.Clip}\t{r.Sentence}\t2\t0\t\t\t").Prepend("client_id\tpath\tsentence\tup_votes\tdown_votes\tage\tgender\taccent"));
        return lang;
    }

    [RequiresProgramFact("lame", "lame")]
    public void CommonVoice_with_supplied_phones_and_a_subset()
    {
        using var dir = new TempDir();
        var lang = CommonVoiceTree(dir, ("common_voice_es_1.mp3", "Hola."), ("common_voice_es_2.mp3", "Buenos días."));
        File.WriteAllLines(dir.File("phones.txt"), ["common_voice_es_1.mp3\to l a", "common_voice_es_2\tb w e n o s  ð i a s"]);
        File.WriteAllLines(dir.File("subset.txt"), ["common_voice_es_2.mp3"]);
        var output = dir.File("out");

        var m = CommonVoice.BuildSplit(lang, "train.tsv", output, "train-1h", new("es", dir.File("phones.txt"), dir.File("subset.txt")));
        var vocab = CommonVoice.WriteDictionary(output, "train-1h");

        Assert.Equal("common_voice_es_2.mp3", Assert.Single(m.Entries).RelativePath);
        Assert.InRange(m.Entries[0].NumSamples, 16000, 16000 + 2 * 1152); // 1 s at 16 kHz plus MP3 padding
        Assert.Equal(["b w e n o s ð i a s"], File.ReadAllLines(Path.Combine(output, "train-1h.phn")));
        Assert.Equal(4 + 9, vocab.Count); // b w e n o s ð i a
    }

    [RequiresProgramFact("lame", "lame")]
    public void CommonVoice_errors_name_table_and_line()
    {
        using var dir = new TempDir();
        var lang = CommonVoiceTree(dir, ("a.mp3", "Hola."));
        File.AppendAllText(Path.Combine(lang, "train.tsv"), "abc\tmissing.mp3\tAdiós.\t2\t0\t\t\t\n");
        File.WriteAllLines(dir.File("phones.txt"), ["a\to l a", "missing\ta ð j o s"]);
        var e = Assert.Throws<DataFormatException>(() =>
            CommonVoice.BuildSplit(lang, "train.tsv", dir.File("out"), "train", new("es", dir.File("phones.txt"))));
        Assert.Equal(3, e.Line);
        Assert.Contains("missing.mp3", e.Message);
    }

    [RequiresProgramFact("espeak-ng", "espeak-ng", "lame", "lame")]
    public void CommonVoice_phones_from_espeak_when_none_are_supplied()
    {
        using var dir = new TempDir();
        var lang = CommonVoiceTree(dir, ("a.mp3", "Buenos días."));
        CommonVoice.BuildSplit(lang, "train.tsv", dir.File("out"), "train", new("es"));
        Assert.Equal(["b w e n o s ð i a s"], File.ReadAllLines(Path.Combine(dir.File("out"), "train.phn")));
    }
}
