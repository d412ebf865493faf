using Parp.Audio;

namespace Parp.Data.Datasets;

/// <summary>
/// fairseq manifests for the paper's LibriSpeech experiments (docs/paper.md §6) from the downloaded trees:
/// <list type="bullet">
/// <item>Libri-light limited supervision, <c>librispeech_finetuning/1h/{0..5}/{clean,other}/SPK/CHAP/*.flac</c> and
/// <c>9h/{clean,other}/...</c>: <c>train-10min-0</c> = 1h/0 (the code's fold 0), <c>train-1h</c> = 1h/*,
/// <c>train-10h</c> = 1h/* + 9h;</item>
/// <item>LibriSpeech <c>LibriSpeech/{dev,test}-{clean,other}/SPK/CHAP/*.flac</c>.</item>
/// </list>
/// Transcripts come from the <c>SPK-CHAP.trans.txt</c> files ("UTTERANCE-ID WORDS"); each split gets .tsv, .wrd
/// and .ltr, and the output folder gets the letter dictionary (dict.ltr.txt, vocab.json).
/// </summary>
public static class LibriSpeech
{
    public static readonly IReadOnlyList<string> EvalSplits = ["dev-clean", "dev-other", "test-clean", "test-other"];

    /// <summary>Writes every split whose source exists; returns the names written.</summary>
    public static List<string> BuildAll(string? finetuningRoot, string? librispeechRoot, string outputDir)
    {
        var written = new List<string>();
        if (finetuningRoot is not null)
        {
            if (!Directory.Exists(finetuningRoot)) throw new DirectoryNotFoundException($"Libri-light fine-tuning folder not found: {finetuningRoot}");
            var oneHour = Path.Combine(finetuningRoot, "1h");
            BuildSplit(finetuningRoot, [Path.Combine(oneHour, "0")], outputDir, "train-10min-0");
            BuildSplit(finetuningRoot, [oneHour], outputDir, "train-1h");
            BuildSplit(finetuningRoot, [oneHour, Path.Combine(finetuningRoot, "9h")], outputDir, "train-10h");
            written.AddRange(["train-10min-0", "train-1h", "train-10h"]);
        }
        if (librispeechRoot is not null)
        {
            if (!Directory.Exists(librispeechRoot)) throw new DirectoryNotFoundException($"LibriSpeech folder not found: {librispeechRoot}");
            foreach (var split in EvalSplits.Where(s => Directory.Exists(Path.Combine(librispeechRoot, s))))
            {
                BuildSplit(librispeechRoot, [Path.Combine(librispeechRoot, split)], outputDir, split);
                written.Add(split);
            }
        }
        Vocabulary.Letters.SaveFairseqDict(Path.Combine(outputDir, "dict.ltr.txt"));
        Vocabulary.Letters.SaveHfJson(Path.Combine(outputDir, "vocab.json"));
        return written;
    }

    /// <summary>One split: every transcript under <paramref name="sources"/>, sorted by path, paths relative to <paramref name="root"/>.</summary>
    public static Manifest BuildSplit(string root, IEnumerable<string> sources, string outputDir, string name)
    {
        var entries = new List<ManifestEntry>();
        var words = new List<string>();
        var letters = new List<string>();
        foreach (var source in sources)
        {
            if (!Directory.Exists(source)) throw new DirectoryNotFoundException($"{name}: folder not found: {source}");
            var transcripts = Directory.GetFiles(source, "*.trans.txt", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
            if (transcripts.Length == 0) throw new DataFormatException(source, 0, $"{name}: no *.trans.txt transcripts below this folder");
            foreach (var trans in transcripts)
            {
                int lineNo = 0;
                foreach (var line in File.ReadLines(trans))
                {
                    lineNo++;
                    if (line.Length == 0) continue;
                    int space = line.IndexOf(' ');
                    if (space <= 0 || space == line.Length - 1) throw new DataFormatException(trans, lineNo, "expected 'UTTERANCE-ID WORDS' with a non-empty transcript");
                    var id = line[..space];
                    var text = line[(space + 1)..].Trim();
                    var flac = Path.Combine(Path.GetDirectoryName(trans)!, id + ".flac");
                    if (!File.Exists(flac)) throw new DataFormatException(trans, lineNo, $"audio file not found: {flac}");
                    FlacInfo info;
                    try { info = FlacInfo.Read(flac); }
                    catch (AudioException e) { throw new DataFormatException(trans, lineNo, e.Message, e); }
                    string ltr;
                    try { ltr = LetterText.ToLetters(text); }
                    catch (ArgumentException e) { throw new DataFormatException(trans, lineNo, e.Message, e); }
                    // Lengths at 16 kHz, what the loader hands to the model (LibriSpeech is already 16 kHz).
                    entries.Add(new ManifestEntry(Path.GetRelativePath(root, flac), Resampler.OutputLength(info.TotalSamples, info.SampleRate, 16000)));
                    words.Add(LetterText.NormalizeWords(text));
                    letters.Add(ltr);
                }
            }
        }
        var manifest = new Manifest(Path.GetFullPath(root), entries);
        manifest.Write(Path.Combine(outputDir, name + ".tsv"));
        LabelFile.Write(Path.Combine(outputDir, name + ".wrd"), words);
        LabelFile.Write(Path.Combine(outputDir, name + ".ltr"), letters);
        return manifest;
    }
}
