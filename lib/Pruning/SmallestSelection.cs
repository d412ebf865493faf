using Parp.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Parp.Pruning;

/// <summary>How the exact k-th smallest magnitude is found; both give identical masks.</summary>
public enum SelectionStrategy
{
    /// <summary>Bracket the threshold from a fixed sample, then count and sort only the values inside the bracket
    /// (two cheap passes); when the bracket misses, fall back to <see cref="Bucketed"/>.</summary>
    Auto,
    /// <summary>Narrow the threshold's bit pattern with 4,096-bucket histograms (three passes, then the masks).</summary>
    Bucketed,
}

/// <summary>
/// Exact selection of the k smallest magnitudes over many tensors without concatenating or sorting them all.
/// <para>
/// The threshold T is the k-th smallest score (|value| as float32). <see cref="SelectionStrategy.Auto"/> sorts a sample
/// of about 2^20 scores to bracket T in [a, b] with a wide statistical margin, then one pass counts the scores below a
/// and gathers those in (a, b); when below &lt; k ≤ below + |band| the band (a small fraction of N) is sorted and T read
/// off exactly. Otherwise the bucketed search runs: non-negative float32 values order like their bit patterns read as
/// integers, so T is found by narrowing an interval of bit patterns with 4,096-bucket counts, three passes. Either
/// way, memory is a few temporaries the size of a chunk (below), never N, and everything runs on the tensors' device.
/// </para>
/// <para>
/// On a GPU the tensors are scored in chunks of about <see cref="GpuChunkElements"/> values (consecutive tensors
/// concatenated), and counts stay on the device until one read per pass: a pass then issues a few dozen kernels and
/// waits for the device a handful of times, where one tensor at a time it issued thousands and waited hundreds of
/// times. On a CPU every tensor is its own chunk, so nothing is copied.
/// </para>
/// <para>
/// Ties at T are broken by flat index in pool order (tensor order, then row-major), so the result is deterministic on
/// every device. Values already at zero have the smallest magnitude and are pruned first; entries marked as already
/// pruned rank before everything (score −1).
/// </para>
/// </summary>
static class SmallestSelection
{
    const int Buckets = 4096;
    const long MaxOrdinal = 0x7F800000;    // +infinity; NaN is rejected before
    const int SampleSize = 1 << 20;
    /// <summary>Values per chunk on a GPU: 64 MB of float32 scores.</summary>
    public const long GpuChunkElements = 1 << 24;

    /// <summary>The k smallest are the scores below <paramref name="Value"/> (T) and those equal to T at flat pool
    /// positions up to <paramref name="LastPrunedTie"/> (long.MaxValue: every tie).</summary>
    readonly record struct Threshold(float Value, long LastPrunedTie);

    /// <summary>Kept masks (true = kept) with exactly <paramref name="k"/> entries pruned: those of smallest |value|.
    /// <paramref name="alreadyPruned"/> (optional, per tensor) are pruned whatever their value and count towards k.
    /// <paramref name="chunkElements"/>: values scored together (default: <see cref="GpuChunkElements"/> on a GPU,
    /// one tensor per chunk on a CPU); the masks do not depend on it.</summary>
    public static List<Tensor> KeepAllButSmallest(IReadOnlyList<(string Name, Tensor Values)> tensors, long k,
                                                  IReadOnlyList<Tensor>? alreadyPruned = null, SelectionStrategy strategy = SelectionStrategy.Auto,
                                                  long? chunkElements = null)
    {
        long n = tensors.Sum(t => t.Values.NumberOfElements);
        if (k < 0 || k > n) throw new ArgumentOutOfRangeException(nameof(k), $"cannot prune {k} of {n} values");
        using var noGrad = no_grad();
        CheckValues(tensors);
        if (k == 0) return tensors.Select(t => ones_like(t.Values, ScalarType.Bool)).ToList();
        var pool = new ScoredTensors(tensors, alreadyPruned,
            chunkElements ?? (tensors.Count > 0 && tensors[0].Values.device.type == DeviceType.CUDA ? GpuChunkElements : 0));
        var threshold = (strategy == SelectionStrategy.Auto ? Bracketed(pool, k, n) : null) ?? Bucketed(pool, k);
        return BuildMasks(pool, threshold);
    }

    /// <summary>Floating point and free of NaN; the NaN test of every tensor is read back at once.</summary>
    static void CheckValues(IReadOnlyList<(string Name, Tensor Values)> tensors)
    {
        foreach (var (name, v) in tensors)
        {
            if (v.dtype == ScalarType.Float64)
                throw new PruningException($"'{name}' is float64: magnitude selection works on float32, float16 and bfloat16 values (float32 holds them exactly)");
            if (!v.is_floating_point()) throw new PruningException($"'{name}' has dtype {v.dtype}, not floating point");
        }
        if (tensors.Count == 0) return;
        using var scope = NewDisposeScope();
        var device = tensors[0].Values.device;
        var perTensor = tensors.Select(t =>
        {
            using var inner = NewDisposeScope();      // free each tensor's isnan() before the next: memory stays flat
            return t.Values.isnan().any().to(device).MoveToOuterDisposeScope();
        }).ToArray();
        var hasNan = stack(perTensor).cpu().data<bool>().ToArray();
        int bad = Array.IndexOf(hasNan, true);
        if (bad >= 0) throw new PruningException($"'{tensors[bad].Name}' contains NaN: magnitude pruning needs finite values");
    }

    /// <summary>T from a sample bracket; null when the bracket misses T (never wrong, only slower: the bucketed search
    /// then runs).</summary>
    static Threshold? Bracketed(ScoredTensors pool, long k, long n)
    {
        using var scope = NewDisposeScope();
        var device = pool.DeviceOf(0);
        var parts = new List<Tensor>();
        if (n <= SampleSize)                                    // a small pool: its own scores are the best sample
            for (int c = 0; c < pool.Chunks.Count; c++) parts.Add(pool.ChunkScores(c).to(device));
        else
            for (int c = 0; c < pool.Chunks.Count; c++)
            {
                long take = Math.Max(1, (long)Math.Ceiling((double)SampleSize * pool.Chunks[c].Elements / n));
                parts.Add(pool.SampledScores(c, take).to(device));
            }
        var sample = cat(parts).sort().Values;
        long m = sample.NumberOfElements;
        double q = (double)k / n, rank = q * m, margin = 6 * Math.Sqrt(m * q * (1 - q)) + 64;
        long ia = (long)(rank - margin), ib = (long)(rank + margin);
        var ends = stack([sample[Math.Clamp(ia, 0, m - 1)], sample[Math.Clamp(ib, 0, m - 1)]]).cpu().data<float>().ToArray();   // one read
        float a = rank - margin < 0 ? float.NegativeInfinity : ends[0];
        float b = rank + margin >= m ? float.PositiveInfinity : ends[1];
        using var aScalar = a.ToScalar();
        using var bScalar = b.ToScalar();

        // Counts below a, at a, at b, and the values strictly inside (a, b) with their flat positions: tie masses at the
        // edges (the exact zeros of a model already pruned, say) are counted, never gathered or sorted.
        using var counts = new DeviceCounts(3);
        var band = new List<Tensor>();
        var positions = new List<Tensor>();
        long inside = 0;
        for (int c = 0; c < pool.Chunks.Count; c++)
        {
            using var inner = NewDisposeScope();
            var score = pool.ChunkScores(c);
            counts.Add(score.lt(aScalar).sum(), score.eq(aScalar).sum(), b != a ? score.eq(bScalar).sum() : zeros(1, ScalarType.Int64, device: score.device).sum());
            var where = score.gt(aScalar).logical_and(score.lt(bScalar)).nonzero().flatten();   // faster than masked_select on CPU
            inside += where.shape[0];
            band.Add(score.index_select(0, where).to(device).MoveToOuterDisposeScope());
            using var offset = pool.Offset(pool.Chunks[c].First).ToScalar();
            positions.Add(where.add(offset, ScalarMath.One).to(device).MoveToOuterDisposeScope());
            if (inside > n / 16 + SampleSize) return null;                   // a wild bracket: not worth sorting
        }
        var read = counts.Read();
        long below = read[0], atA = read[1], atB = read[2];
        if (below >= k) return null;                                           // T < a: the bracket missed
        if (below + atA >= k) return AtEdge(pool, a, k - below, atA);          // T = a
        if (below + atA + inside >= k)
        {
            // A stable sort keeps equal values in band order, which is flat order: the tie at rank r is the last pruned.
            var (sorted, order) = cat(band).sort(stable: true);
            long r = k - below - atA - 1;
            var found = stack([sorted[r].to_type(ScalarType.Float64), cat(positions)[order[r]].to_type(ScalarType.Float64)])
                .cpu().data<double>().ToArray();                              // T and its position in one read (exact in float64)
            return new Threshold((float)found[0], (long)found[1]);
        }
        if (below + atA + inside + atB >= k) return AtEdge(pool, b, k - below - atA - inside, atB);   // T = b
        return null;                                                           // T > b
    }

    /// <summary>T at a bracket edge, with <paramref name="tiesAt"/> scores equal to it of which the first
    /// <paramref name="tiesToPrune"/> in pool order are pruned.</summary>
    static Threshold AtEdge(ScoredTensors pool, float t, long tiesToPrune, long tiesAt) =>
        tiesToPrune == tiesAt ? new Threshold(t, long.MaxValue) : new Threshold(t, LastPrunedTie(pool, t, tiesToPrune));

    /// <summary>The flat position of the <paramref name="tiesToPrune"/>-th score equal to <paramref name="t"/> in pool
    /// order: the ties of every tensor counted in one pass and one read, then one tensor searched.</summary>
    static long LastPrunedTie(ScoredTensors pool, float t, long tiesToPrune)
    {
        using var scope = NewDisposeScope();
        using var tScalar = t.ToScalar();
        var device = pool.DeviceOf(0);
        var perTensor = Enumerable.Range(0, pool.Count).Select(i =>
        {
            using var inner = NewDisposeScope();
            return pool.Scores(i).eq(tScalar).sum().to(device).MoveToOuterDisposeScope();
        }).ToArray();
        var ties = stack(perTensor).cpu().data<long>().ToArray();
        long before = 0;
        for (int i = 0; i < ties.Length; i++)
        {
            if (before + ties[i] >= tiesToPrune)
                return pool.Offset(i) + pool.Scores(i).eq(tScalar).nonzero()[tiesToPrune - before - 1, 0].item<long>();
            before += ties[i];
        }
        throw new InvalidOperationException($"{tiesToPrune} ties at {t} to prune but only {before} found");
    }

    static Threshold Bucketed(ScoredTensors pool, long k)
    {
        long lo = -1, hi = MaxOrdinal, below = 0;       // invariant: T in [lo, hi], below = #(score < value(lo))
        while (lo < hi)
        {
            long span = hi - lo;
            int m = (int)Math.Min(Buckets - 1, span);
            var bounds = new float[m];
            for (int j = 1; j <= m; j++) bounds[j - 1] = ValueOf(lo + (j * span + m - 1) / m);   // strictly increasing, last = hi
            var counts = CountBuckets(pool, bounds);
            long cum = counts[0];                                    // #(score < bounds[0])
            int hit = -1;
            for (int j = 1; j <= m; j++)
            {
                if (cum >= k) { hit = j; break; }
                if (j < m) cum += counts[j];
            }
            if (hit < 0) { below = cum; lo = hi; break; }            // T >= bounds[m-1] = hi
            long prev = hit == 1 ? lo : lo + ((hit - 1) * span + m - 1) / m;
            long prevBelow = hit == 1 ? below : cum - counts[hit - 1];
            hi = lo + (hit * span + m - 1) / m - 1;
            lo = prev;
            below = prevBelow;
        }
        float t = ValueOf(lo);
        return new Threshold(t, LastPrunedTie(pool, t, k - below));
    }

    static float ValueOf(long ordinal) => ordinal < 0 ? -1f : BitConverter.Int32BitsToSingle((int)ordinal);

    /// <summary>counts[j] = #(bounds[j-1] ≤ score &lt; bounds[j]) with bounds[-1] = −∞ and bounds[m] = +∞, summed on the
    /// device of the first chunk and read once.</summary>
    static long[] CountBuckets(ScoredTensors pool, float[] bounds)
    {
        using var scope = NewDisposeScope();
        var device = pool.DeviceOf(0);
        var total = zeros(bounds.Length + 1, ScalarType.Int64, device: device);
        var edges = new Dictionary<string, Tensor>();
        for (int c = 0; c < pool.Chunks.Count; c++)
        {
            using var inner = NewDisposeScope();
            var score = pool.ChunkScores(c);
            var key = score.device.ToString();
            if (!edges.TryGetValue(key, out var e)) edges[key] = e = tensor(bounds, device: score.device).MoveToOuterDisposeScope();
            total.PlusInPlace(bincount(bucketize(score, e, false, true), minlength: bounds.Length + 1).to(device));
        }
        return total.cpu().data<long>().ToArray();
    }

    /// <summary>Kept = score &gt; T, or score = T at a flat position after the last pruned tie: per tensor that is
    /// score &gt; T (every tie in it pruned), score ≥ T (none), or, in the one tensor where the ties split, a
    /// comparison of positions.</summary>
    static List<Tensor> BuildMasks(ScoredTensors pool, Threshold threshold)
    {
        using var t = threshold.Value.ToScalar();
        var result = new List<Tensor>(pool.Count);
        for (int i = 0; i < pool.Count; i++)
        {
            using var scope = NewDisposeScope();
            var score = pool.Scores(i);
            long first = pool.Offset(i), last = first + score.NumberOfElements - 1;
            Tensor kept;
            if (threshold.LastPrunedTie >= last) kept = score.gt(t);
            else if (threshold.LastPrunedTie < first) kept = score.ge(t);
            else
            {
                using var local = (threshold.LastPrunedTie - first).ToScalar();
                using var end = score.NumberOfElements.ToScalar();
                var afterLastPrunedTie = arange(ScalarMath.Zero, end, ScalarMath.One, ScalarType.Int64, device: score.device).gt(local);
                kept = score.gt(t).logical_or(score.eq(t).logical_and(afterLastPrunedTie));
            }
            result.Add(kept.reshape(pool.Shape(i)).MoveToOuterDisposeScope());
        }
        return result;
    }

    /// <summary>The tensors' scores: |value| as float32, −1 where already pruned; grouped in chunks of consecutive
    /// tensors on one device.</summary>
    internal sealed class ScoredTensors
    {
        readonly IReadOnlyList<(string Name, Tensor Values)> tensors;
        readonly IReadOnlyList<Tensor>? pruned;
        readonly long[] offsets;

        public ScoredTensors(IReadOnlyList<(string Name, Tensor Values)> tensors, IReadOnlyList<Tensor>? pruned, long chunkElements)
        {
            this.tensors = tensors;
            this.pruned = pruned;
            var chunks = new List<(int First, int End, long Elements)>();
            offsets = new long[tensors.Count];
            for (int i = 0; i < tensors.Count; i++)
            {
                long size = tensors[i].Values.NumberOfElements;
                offsets[i] = i == 0 ? 0 : offsets[i - 1] + tensors[i - 1].Values.NumberOfElements;
                if (chunks.Count > 0 && chunks[^1] is var last && last.Elements + size <= chunkElements
                    && SameDevice(tensors[last.First].Values, tensors[i].Values))
                    chunks[^1] = (last.First, i + 1, last.Elements + size);
                else chunks.Add((i, i + 1, size));
            }
            Chunks = chunks;
        }

        public IReadOnlyList<(int First, int End, long Elements)> Chunks { get; }
        public int Count => tensors.Count;
        public long[] Shape(int i) => tensors[i].Values.shape;
        /// <summary>The flat pool position of tensor i's first value.</summary>
        public long Offset(int i) => offsets[i];
        public Device DeviceOf(int chunk) => tensors[Chunks[chunk].First].Values.device;

        /// <summary>Flat scores of tensor i (a new tensor).</summary>
        public Tensor Scores(int i) => Score(tensors[i].Values.detach().flatten(), pruned?[i].flatten());

        /// <summary>Flat scores of a chunk: its tensors' in order.</summary>
        public Tensor ChunkScores(int chunk)
        {
            var (first, end, _) = Chunks[chunk];
            return end - first == 1 ? Scores(first) : cat(Enumerable.Range(first, end - first).Select(Scores).ToList());
        }

        /// <summary>Scores at <paramref name="take"/> fixed positions spread over a chunk: j·stride mod size, the stride
        /// near size/φ and coprime to it (a Weyl sequence: no two positions alike, no period a weight matrix's rows are
        /// likely to share). No random generator: TorchSharp 0.107 makes every Generator a CPU one, so random indices
        /// would be drawn on the host and copied to a GPU; these are computed where the values live. A one-tensor chunk
        /// is sampled before scoring, so a CPU never scores the whole tensor for a sample.</summary>
        public Tensor SampledScores(int chunk, long take)
        {
            var (first, end, elements) = Chunks[chunk];
            using var stride = WeylStride(elements).ToScalar();
            using var size = elements.ToScalar();
            using var count = take.ToScalar();
            var idx = arange(ScalarMath.Zero, count, ScalarMath.One, ScalarType.Int64, DeviceOf(chunk)).mul_(stride).remainder_(size);
            if (end - first > 1) return ChunkScores(chunk).take(idx);
            return Score(tensors[first].Values.detach().flatten().take(idx), pruned?[first].flatten().take(idx.to(pruned[first].device)));
        }

        internal static long WeylStride(long size)
        {
            long stride = Math.Max(1, (long)Math.Round(size * 0.6180339887498949));
            while (GreatestCommonDivisor(stride, size) != 1) stride++;
            return stride;
        }

        static long GreatestCommonDivisor(long a, long b) => b == 0 ? a : GreatestCommonDivisor(b, a % b);

        // TorchSharp's Device has no value equality.
        static bool SameDevice(Tensor a, Tensor b) => a.device_type == b.device_type && a.device_index == b.device_index;

        static Tensor Score(Tensor flatValues, Tensor? flatPruned)
        {
            var s = flatValues.abs().to_type(ScalarType.Float32);
            return flatPruned is null ? s : s.masked_fill(flatPruned.to(s.device), BelowEveryMagnitude);
        }

        // A Scalar that lives as long as the process: an implicit one made per call can be finalised by the GC while
        // LibTorch still reads it (see Encoder.Forward).
        static readonly Scalar BelowEveryMagnitude = (-1f).ToScalar();
    }
}
