using Parp.Audio;
using Parp.Data;
using Parp.Tests.Support;

namespace Parp.Tests.Data;

public class SpeechDatasetTests
{
    static string MakeSplit(TempDir dir, params int[] lengths)
    {
        var entries = new List<ManifestEntry>();
        for (int i = 0; i < lengths.Length; i++)
        {
            WavWriter.WriteMono16(dir.File($"u{i}.wav"), Signals.Sine(200 + 100 * i, 16000, lengths[i]), 16000);
            entries.Add(new($"u{i}.wav", lengths[i]));
        }
        new Manifest(dir.Path, entries).Write(dir.File("train.tsv"));
        LabelFile.Write(dir.File("train.ltr"), lengths.Select((_, i) => i % 2 == 0 ? "H I |" : "O K |"));
        return dir.File("train.tsv");
    }

    [Fact]
    public void Batches_carry_audio_targets_and_lengths()
    {
        using var dir = new TempDir();
        var data = SpeechDataset.Open(MakeSplit(dir, 16000, 8000, 12000, 4000), Vocabulary.Letters);
        var batcher = LengthBucketedBatcher.ForManifest(data.Manifest, maxTokens: 32000, seed: 1);

        var seen = new List<int>();
        foreach (var plan in batcher.From(new(0, 0), endEpoch: 1))
        {
            var (audio, targets) = data.Collate(plan, seed: 1);
            Assert.Equal(plan.Indices.Select(i => (int)data.Manifest.Entries[i].NumSamples), audio.Lengths);
            Assert.Equal(plan.Indices.Select(i => data.Targets![i]), targets);
            Assert.True(audio.BatchSize * audio.Time <= 32000);
            seen.AddRange(plan.Indices);
        }
        Assert.Equal([0, 1, 2, 3], seen.Order());
        Assert.Equal(new[] { 11, 10, 4 }, data.Targets![0]); // H I |
    }

    [Fact]
    public void Unreadable_audio_names_the_manifest_line_and_the_file()
    {
        using var dir = new TempDir();
        var tsv = MakeSplit(dir, 16000, 8000);
        File.WriteAllText(dir.File("u1.wav"), "not audio");
        var data = SpeechDataset.Open(tsv);
        var e = Assert.Throws<DataFormatException>(() => data.LoadAudio(1));
        Assert.Equal(3, e.Line);
        Assert.Contains("u1.wav", e.Message);
        Assert.Contains("train.tsv", e.Message);
    }

    [Fact]
    public void Label_file_with_the_wrong_number_of_lines_is_rejected()
    {
        using var dir = new TempDir();
        var tsv = MakeSplit(dir, 16000, 8000);
        File.WriteAllText(dir.File("train.ltr"), "H I |\n");
        Assert.Throws<DataFormatException>(() => SpeechDataset.Open(tsv, Vocabulary.Letters));
    }
}
