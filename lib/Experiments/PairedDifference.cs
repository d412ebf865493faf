namespace Parp.Experiments;

/// <summary>
/// The mean of paired differences (the same seed under two conditions) with a two-sided 95 % Student-t interval. A
/// claim that one condition beats the other rests on an interval that excludes zero; otherwise it is a tie.
/// </summary>
/// <param name="Mean">Mean difference.</param>
/// <param name="Low">Lower end of the 95 % interval (NaN with fewer than two pairs).</param>
/// <param name="High">Upper end.</param>
/// <param name="Pairs">How many pairs.</param>
public sealed record PairedDifference(double Mean, double Low, double High, int Pairs)
{
    /// <summary>Differences a − b, pair by pair.</summary>
    public static PairedDifference Of(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        if (a.Count != b.Count) throw new ArgumentException($"{a.Count} values against {b.Count}: the pairs must match");
        if (a.Count == 0) throw new ArgumentException("no pairs");
        var d = a.Zip(b, (x, y) => x - y).ToList();
        double mean = d.Average();
        if (d.Count < 2) return new(mean, double.NaN, double.NaN, d.Count);
        double sd = Math.Sqrt(d.Sum(x => (x - mean) * (x - mean)) / (d.Count - 1));
        double half = StudentT975(d.Count - 1) * sd / Math.Sqrt(d.Count);
        return new(mean, mean - half, mean + half, d.Count);
    }

    /// <summary>Whether the interval excludes zero.</summary>
    public bool Excludes0 => Low > 0 || High < 0;

    /// <summary>The fewest pairs an ordering may rest on: with two, a difference that happens to repeat has no spread and
    /// its interval shrinks to a point.</summary>
    public const int MinimumPairs = 3;

    /// <summary>An ordering: at least <see cref="MinimumPairs"/> pairs and an interval that excludes zero.</summary>
    public bool Decisive => Pairs >= MinimumPairs && Excludes0;

    /// <summary>"a tie", "first lower", "first higher", or why there is no verdict.</summary>
    public string Reading => Pairs < MinimumPairs ? $"{Pairs} seed(s): too few for a verdict" : !Excludes0 ? "a tie" : Mean < 0 ? "first lower" : "first higher";

    public override string ToString() => Pairs < 2
        ? $"{Signed(Mean)} (one pair, no interval)"
        : $"{Signed(Mean)} [{Signed(Low)}, {Signed(High)}] over {Pairs} pairs: {Reading}";

    /// <summary>A difference with its sign and two decimals: "+1.25", "-0.40", and "0.00" for one that rounds to zero
    /// (.NET's "+0.00;-0.00" writes -0.001 as "-+0.00").</summary>
    public static string Signed(double value)
    {
        double rounded = Math.Round(value, 2);
        return rounded == 0 ? "0.00" : rounded.ToString("+0.00;-0.00", System.Globalization.CultureInfo.InvariantCulture);
    }

    // The 0.975 quantile of Student's t with df degrees of freedom (standard tables; 1.96 in the limit).
    static double StudentT975(int df) => df switch
    {
        1 => 12.706, 2 => 4.303, 3 => 3.182, 4 => 2.776, 5 => 2.571, 6 => 2.447, 7 => 2.365, 8 => 2.306, 9 => 2.262,
        10 => 2.228, 11 => 2.201, 12 => 2.179, 13 => 2.160, 14 => 2.145, 15 => 2.131, 16 => 2.120, 17 => 2.110,
        18 => 2.101, 19 => 2.093, 20 => 2.086, <= 30 => 2.042 + (30 - df) * (2.086 - 2.042) / 10, <= 60 => 2.000 + (60 - df) * (2.042 - 2.000) / 30,
        _ => 1.960,
    };
}
