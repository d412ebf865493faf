using Parp.Audio;

namespace Parp.Data;

/// <summary>
/// A manifest with its labels: loads audio as the model wants it and collates planned batches.
/// Every error names the manifest line and the file, so a bad utterance in a long run is found at once.
/// </summary>
public sealed class SpeechDataset
{
    public Manifest Manifest { get; }
    /// <summary>Target indices per utterance (null for unlabelled audio, e.g. a pre-training pool).</summary>
    public IReadOnlyList<int[]>? Targets { get; }
    public AudioLoadOptions AudioOptions { get; }

    public SpeechDataset(Manifest manifest, IReadOnlyList<int[]>? targets, AudioLoadOptions? audioOptions = null)
    {
        if (targets is not null && targets.Count != manifest.Count)
            throw new ArgumentException($"{targets.Count} transcripts for {manifest.Count} utterances of {manifest.SourceFile ?? "the manifest"}");
        Manifest = manifest; Targets = targets; AudioOptions = audioOptions ?? AudioLoadOptions.Default;
    }

    /// <summary>
    /// Opens <c>SPLIT.tsv</c> and, when a vocabulary is given, the label file beside it (<c>SPLIT.ltr</c> or
    /// <c>SPLIT.phn</c>, chosen by <paramref name="labelExtension"/>).
    /// </summary>
    public static SpeechDataset Open(string tsvPath, Vocabulary? vocabulary = null, string labelExtension = "ltr",
        AudioLoadOptions? audioOptions = null, string? relativeRootBase = null)
    {
        var manifest = Manifest.Read(tsvPath, relativeRootBase);
        var targets = vocabulary is null ? null
            : LabelFile.ReadEncoded(Path.ChangeExtension(tsvPath, labelExtension), vocabulary, manifest.Count);
        return new SpeechDataset(manifest, targets, audioOptions);
    }

    public int Count => Manifest.Count;

    public float[] LoadAudio(int index)
    {
        try { return AudioFile.Load(Manifest.FullPath(index), AudioOptions); }
        catch (AudioException e)
        {
            throw new DataFormatException(Manifest.SourceFile ?? "(manifest)", index + 2, e.Message, e); // +2: root line, 1-based
        }
    }

    /// <summary>
    /// Audio and targets of one planned batch. Crop offsets come from (<paramref name="seed"/>, batch position),
    /// so a resumed run sees the same crops.
    /// </summary>
    public (PaddedBatch Audio, int[][] Targets) Collate(BatchPlan plan, int seed, long? maxSampleSize = null, bool cropToShortest = false)
    {
        var waves = plan.Indices.Select(LoadAudio).ToArray();
        ulong cropSeed = DeterministicRandom.Mix(seed, plan.Position.Epoch, plan.Position.Batch, 0x63726f70);
        var audio = Collator.Collate(waves, cropSeed, maxSampleSize, cropToShortest);
        var targets = Targets is null ? [] : plan.Indices.Select(i => Targets[i]).ToArray();
        return (audio, targets);
    }
}
