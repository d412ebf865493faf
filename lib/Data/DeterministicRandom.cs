namespace Parp.Data;

/// <summary>
/// SplitMix64: a tiny generator whose sequence is fixed by this code, not by the .NET version, so shuffles,
/// crops and generated noise are the same on every machine and after every upgrade.
/// </summary>
public sealed class DeterministicRandom
{
    ulong _state;

    public DeterministicRandom(ulong seed) => _state = seed;

    /// <summary>A seed for a sub-stream (e.g. seed, epoch, batch), mixed so nearby inputs give unrelated streams.</summary>
    public static ulong Mix(params long[] parts)
    {
        ulong h = 0x9E3779B97F4A7C15;
        foreach (var p in parts) h = Finalize(h ^ (ulong)p) + 0x9E3779B97F4A7C15;
        return h;
    }

    public ulong NextUInt64()
    {
        _state += 0x9E3779B97F4A7C15;
        return Finalize(_state);
    }

    static ulong Finalize(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [min, max) (no modulo bias worth caring about for ranges below 2^32).</summary>
    public int Next(int min, int max)
    {
        if (max <= min) throw new ArgumentOutOfRangeException(nameof(max), $"empty range [{min}, {max})");
        return min + (int)((NextUInt64() >> 32) * (ulong)(max - min) >> 32);
    }

    /// <summary>Standard normal by Box–Muller.</summary>
    public double NextGaussian()
    {
        double u1 = 1.0 - NextDouble(), u2 = NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    public void Shuffle<T>(IList<T> items)
    {
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = Next(0, i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
