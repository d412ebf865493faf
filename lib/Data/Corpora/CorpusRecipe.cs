namespace Parp.Data.Corpora;

/// <summary>
/// Sizes (true durations, in seconds) and acoustic settings of one generated corpus. The split names follow the
/// paper: <c>pool</c> (unlabelled pre-training audio), <c>10min</c> (the first utterances of <c>1h</c>, like the
/// Libri-light 10-minute fold inside its 1-hour set), <c>1h</c>, <c>dev</c>, <c>test</c>.
/// </summary>
public sealed record CorpusRecipe(
    string Name, double PoolSeconds, double OneHourSeconds, double TenMinSeconds, double DevSeconds, double TestSeconds,
    int MinSpeed = 130, int MaxSpeed = 200, int MinPitch = 25, int MaxPitch = 75,
    double NoiseFraction = 0.2, double MinSnrDb = 15, double MaxSnrDb = 30, ulong Seed = 20211026)
{
    /// <summary>Sentences set aside for dev and for test (each), never used in pool, 1h or 10min.</summary>
    public int HeldOutSentences => (int)Math.Max(40, Math.Ceiling(Math.Max(DevSeconds, TestSeconds) / 1.5));

    /// <summary>The default ("tiny") scale: English matches the measured calibration recipe (docs/environment.md §4).</summary>
    public static CorpusRecipe Tiny(string language) => language == "en"
        ? new("espeak", PoolSeconds: 9000, OneHourSeconds: 3600, TenMinSeconds: 600, DevSeconds: 600, TestSeconds: 600)
        : new("espeak", PoolSeconds: 1800, OneHourSeconds: 3600, TenMinSeconds: 600, DevSeconds: 600, TestSeconds: 600);

    /// <summary>The CI scale: seconds of audio per split, same code path.</summary>
    public static CorpusRecipe Smoke(string language) =>
        new("espeak-smoke", PoolSeconds: 60, OneHourSeconds: 40, TenMinSeconds: 15, DevSeconds: 15, TestSeconds: 15);

    public static CorpusRecipe ForScale(string scale, string language) => scale switch
    {
        "tiny" => Tiny(language),
        "smoke" => Smoke(language),
        _ => throw new ArgumentException($"no generated corpus for scale '{scale}' (smoke, tiny); the paper scale uses real datasets"),
    };

    public static readonly IReadOnlyList<string> Splits = ["pool", "1h", "10min", "dev", "test"];
}
