using Parp.Data;

namespace Parp.Training;

/// <summary>
/// Decoded audio of a dataset kept in memory after its first use, when the whole set fits under a bound: the
/// generated corpora are WAV at 22.05 kHz, so every read would otherwise decode and resample again, which costs more
/// than a small model's training step. Batches are collated exactly as <see cref="SpeechDataset.Collate"/> does
/// (same crop seeds), so cached and uncached runs are identical.
/// </summary>
public sealed class AudioCache(SpeechDataset dataset, long maxBytes = 4L << 30)
{
    readonly float[]?[] _waves = new float[dataset.Count][];
    readonly bool _enabled = dataset.Manifest.Entries.Sum(e => e.NumSamples) * sizeof(float) <= maxBytes;

    public SpeechDataset Dataset => dataset;

    public float[] Load(int index)
    {
        if (!_enabled) return dataset.LoadAudio(index);
        return _waves[index] ??= dataset.LoadAudio(index);
    }

    /// <summary>Audio and targets of one planned batch; see <see cref="SpeechDataset.Collate"/>.</summary>
    public (PaddedBatch Audio, int[][] Targets) Collate(BatchPlan plan, int seed, long? maxSampleSize = null, bool cropToShortest = false)
    {
        var waves = plan.Indices.Select(Load).ToArray();
        ulong cropSeed = DeterministicRandom.Mix(seed, plan.Position.Epoch, plan.Position.Batch, 0x63726f70);
        var audio = Collator.Collate(waves, cropSeed, maxSampleSize, cropToShortest);
        var targets = dataset.Targets is null ? [] : plan.Indices.Select(i => dataset.Targets[i]).ToArray();
        return (audio, targets);
    }
}
