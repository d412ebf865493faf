namespace Parp.Data;

/// <summary>Where a run is in its data: epoch and batch within the epoch. A resumed run starts here.</summary>
public readonly record struct BatchPosition(int Epoch, int Batch)
{
    public override string ToString() => $"epoch {Epoch}, batch {Batch}";
}

/// <summary>One batch: utterance indices into the manifest and where it sits in the run.</summary>
public sealed record BatchPlan(BatchPosition Position, int[] Indices, BatchPosition Next);

/// <summary>
/// Batches of utterances of similar length, bounded by the padded size (fairseq <c>max_tokens</c>: batch size ×
/// longest utterance ≤ max_tokens, in samples). As fairseq does per epoch: sort by length (longest first,
/// ties broken at random), cut into batches greedily, then shuffle the order of the batches. Every random
/// choice comes from (seed, epoch), so a run that resumes at a <see cref="BatchPosition"/> sees exactly the
/// batches the interrupted run would have seen.
/// </summary>
public sealed class LengthBucketedBatcher
{
    readonly long[] _lengths;
    readonly Dictionary<int, int[][]> _cache = [];

    public long MaxTokens { get; }
    public int MaxBatchSize { get; }
    public int Seed { get; }
    public bool Shuffle { get; }

    /// <param name="lengths">Samples per utterance (manifest order).</param>
    /// <param name="maxTokens">Bound on batch size × longest length, in samples.</param>
    /// <param name="seed">Fixes the tie-breaking and the batch order of every epoch.</param>
    /// <param name="shuffle">False: batches in length order, the same every epoch (evaluation).</param>
    /// <param name="maxBatchSize">Bound on utterances per batch, whatever their length.</param>
    /// <param name="maxSampleSize">Crop length for pre-training: longer utterances count as this long.</param>
    public LengthBucketedBatcher(IReadOnlyList<long> lengths, long maxTokens, int seed, bool shuffle = true,
        int maxBatchSize = int.MaxValue, long? maxSampleSize = null)
    {
        if (lengths.Count == 0) throw new ArgumentException("no utterances to batch");
        if (maxTokens <= 0) throw new ArgumentOutOfRangeException(nameof(maxTokens), "max_tokens must be positive");
        _lengths = lengths.Select(l => maxSampleSize is long m ? Math.Min(l, m) : l).ToArray();
        for (int i = 0; i < _lengths.Length; i++)
            if (_lengths[i] > maxTokens)
                throw new ArgumentException($"utterance {i} has {_lengths[i]} samples, more than max_tokens = {maxTokens}: " +
                    "raise max_tokens, crop with max_sample_size, or drop the utterance from the manifest");
        MaxTokens = maxTokens; MaxBatchSize = maxBatchSize; Seed = seed; Shuffle = shuffle;
    }

    public static LengthBucketedBatcher ForManifest(Manifest manifest, long maxTokens, int seed, bool shuffle = true,
        int maxBatchSize = int.MaxValue, long? maxSampleSize = null) =>
        new(manifest.Entries.Select(e => e.NumSamples).ToArray(), maxTokens, seed, shuffle, maxBatchSize, maxSampleSize);

    public IReadOnlyList<int[]> BatchesOfEpoch(int epoch)
    {
        if (_cache.TryGetValue(epoch, out var cached)) return cached;
        var rng = new DeterministicRandom(DeterministicRandom.Mix(Seed, epoch, 0x6261));
        var tiebreak = new double[_lengths.Length];
        for (int i = 0; i < tiebreak.Length; i++) tiebreak[i] = Shuffle ? rng.NextDouble() : i;
        var order = Enumerable.Range(0, _lengths.Length)
            .OrderByDescending(i => _lengths[i]).ThenBy(i => tiebreak[i]).ToArray();

        var batches = new List<int[]>();
        var current = new List<int>();
        long longest = 0;
        foreach (var i in order)
        {
            long newLongest = Math.Max(longest, _lengths[i]);
            if (current.Count > 0 && ((current.Count + 1) * newLongest > MaxTokens || current.Count >= MaxBatchSize))
            {
                batches.Add([.. current]);
                current.Clear();
                newLongest = _lengths[i];
            }
            current.Add(i);
            longest = newLongest;
        }
        if (current.Count > 0) batches.Add([.. current]);
        if (Shuffle) rng.Shuffle(batches);
        var result = batches.ToArray();
        if (_cache.Count > 4) _cache.Clear(); // a long run walks epochs forward; keep memory flat
        _cache[epoch] = result;
        return result;
    }

    /// <summary>Batches from <paramref name="start"/> on, epoch after epoch, up to (excluding) <paramref name="endEpoch"/>.</summary>
    public IEnumerable<BatchPlan> From(BatchPosition start, int endEpoch = int.MaxValue)
    {
        for (int epoch = start.Epoch; epoch < endEpoch; epoch++)
        {
            var batches = BatchesOfEpoch(epoch);
            int first = epoch == start.Epoch ? start.Batch : 0;
            if (first > batches.Count)
                throw new ArgumentOutOfRangeException(nameof(start), $"{start} is past the {batches.Count} batches of that epoch");
            for (int b = first; b < batches.Count; b++)
            {
                var next = b + 1 < batches.Count ? new BatchPosition(epoch, b + 1) : new BatchPosition(epoch + 1, 0);
                yield return new BatchPlan(new BatchPosition(epoch, b), batches[b], next);
            }
        }
    }
}
