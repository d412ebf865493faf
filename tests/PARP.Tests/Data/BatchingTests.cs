using Parp.Data;

namespace Parp.Tests.Data;

public class BatchingTests
{
    static readonly long[] Lengths = Enumerable.Range(0, 200).Select(i => 16000L + (i * 7919 % 97) * 1000).ToArray();

    [Fact]
    public void Every_utterance_appears_once_per_epoch_and_batches_respect_max_tokens()
    {
        var b = new LengthBucketedBatcher(Lengths, maxTokens: 400_000, seed: 1);
        for (int epoch = 0; epoch < 3; epoch++)
        {
            var batches = b.BatchesOfEpoch(epoch);
            Assert.Equal(Enumerable.Range(0, Lengths.Length), batches.SelectMany(x => x).Order());
            Assert.All(batches, x => Assert.True(x.Length * x.Max(i => Lengths[i]) <= 400_000));
        }
    }

    [Fact]
    public void Same_seed_same_batches_other_seed_or_epoch_other_order()
    {
        var a = new LengthBucketedBatcher(Lengths, 400_000, seed: 7).BatchesOfEpoch(0);
        var again = new LengthBucketedBatcher(Lengths, 400_000, seed: 7).BatchesOfEpoch(0);
        Assert.Equal(a, again);
        Assert.NotEqual(a, new LengthBucketedBatcher(Lengths, 400_000, seed: 8).BatchesOfEpoch(0));
        Assert.NotEqual(a, new LengthBucketedBatcher(Lengths, 400_000, seed: 7).BatchesOfEpoch(1));
    }

    [Fact]
    public void Resuming_from_a_position_continues_the_same_stream()
    {
        var full = new LengthBucketedBatcher(Lengths, 400_000, seed: 3).From(new(0, 0), endEpoch: 3).ToList();
        var stop = full[full.Count / 2 + 1];
        var resumed = new LengthBucketedBatcher(Lengths, 400_000, seed: 3).From(stop.Position, endEpoch: 3).ToList();
        Assert.Equal(full.Skip(full.Count / 2 + 1).Select(p => p.Indices), resumed.Select(p => p.Indices));
        Assert.Equal(new BatchPosition(1, 0), full.First(p => p.Position.Epoch == 0 && p.Next.Epoch == 1).Next);
    }

    [Fact]
    public void Batches_group_similar_lengths()
    {
        var batches = new LengthBucketedBatcher(Lengths, 400_000, seed: 1).BatchesOfEpoch(0);
        long padded = batches.Sum(x => x.Length * x.Max(i => Lengths[i]));
        Assert.True(padded < 1.05 * Lengths.Sum(), $"padding overhead {padded / (double)Lengths.Sum():P1}");
    }

    [Fact]
    public void Too_long_utterance_is_an_error_unless_cropped()
    {
        var e = Assert.Throws<ArgumentException>(() => new LengthBucketedBatcher([1000, 500_000], 400_000, 0));
        Assert.Contains("utterance 1", e.Message);
        var cropped = new LengthBucketedBatcher([1000, 500_000], 400_000, 0, maxSampleSize: 250_000);
        Assert.Equal(2, cropped.BatchesOfEpoch(0).Sum(x => x.Length));
    }

    [Fact]
    public void Collate_pads_with_mask_and_crops_deterministically()
    {
        float[][] waves = [[1, 2, 3], [4, 5, 6, 7, 8], [9]];
        var p = Collator.Collate(waves, seed: 1);
        Assert.Equal((3, 5), (p.BatchSize, p.Time));
        Assert.Equal([3, 5, 1], p.Lengths);
        Assert.Equal([1, 2, 3, 0, 0], p.Samples[..5]);
        Assert.Equal([true, false, false, false, false], p.AttentionMask()[10..]);

        var c1 = Collator.Collate(waves, seed: 42, cropToShortest: true);
        Assert.Equal(1, c1.Time);
        Assert.Equal(c1.Samples, Collator.Collate(waves, seed: 42, cropToShortest: true).Samples);
        var windows = Enumerable.Range(0, 20).Select(s => Collator.Collate(waves, (ulong)s, maxSampleSize: 2).Samples[2]).Distinct();
        Assert.True(windows.Count() > 1, "crop windows never move");
    }
}
