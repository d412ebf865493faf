namespace Parp.Data.Corpora;

/// <summary>A progress report: how much of a split's audio exists, in seconds and utterances.</summary>
public sealed record CorpusProgress(string Language, string Split, double Seconds, double TargetSeconds, int Utterances)
{
    public override string ToString() =>
        $"{Language} {Split,-5} {Seconds / 60,7:F1} / {TargetSeconds / 60:F1} min  ({Utterances} utterances)";
}
