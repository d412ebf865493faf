namespace Parp.Training;

/// <summary>Learning rate as a function of the number of updates done (0 for the first update).</summary>
public interface ILearningRateSchedule
{
    double At(int update);
}

/// <summary>
/// fairseq <c>tri_stage</c> (docs/paper.md §5.1): linear warm-up from init = 0.01·lr to lr over w updates, hold lr for h,
/// exponential decay to final = 0.05·lr over d (lr·exp(−ln(20)·k/d) at the default scales), then stay at final.
/// </summary>
public sealed record TriStageSchedule(double PeakLr, int WarmupSteps, int HoldSteps, int DecaySteps,
    double InitScale = 0.01, double FinalScale = 0.05) : ILearningRateSchedule
{
    /// <summary>Stage lengths as fractions of <paramref name="maxUpdate"/> (fairseq phase_ratio, e.g. 0.1/0.4/0.5).</summary>
    public static TriStageSchedule FromRatios(double peakLr, int maxUpdate, double warmup = 0.1, double hold = 0.4, double decay = 0.5) =>
        new(peakLr, (int)(maxUpdate * warmup), (int)(maxUpdate * hold), (int)(maxUpdate * decay));

    public double At(int update)
    {
        double init = InitScale * PeakLr, final = FinalScale * PeakLr;
        if (update < WarmupSteps) return init + (PeakLr - init) / WarmupSteps * update;
        int t = update - WarmupSteps;
        if (t < HoldSteps) return PeakLr;
        t -= HoldSteps;
        if (t <= DecaySteps) return PeakLr * Math.Exp(Math.Log(FinalScale) / DecaySteps * t);
        return final;
    }
}

/// <summary>
/// fairseq <c>polynomial_decay</c> with power 1 (wav2vec 2.0 pre-training): linear warm-up from 0 to lr over w updates
/// (lr·u/w), then linear decay to <see cref="EndLr"/> at <see cref="TotalSteps"/>.
/// </summary>
public sealed record WarmupLinearSchedule(double PeakLr, int WarmupSteps, int TotalSteps, double EndLr = 0) : ILearningRateSchedule
{
    public double At(int update)
    {
        if (WarmupSteps > 0 && update <= WarmupSteps) return PeakLr * update / WarmupSteps;
        if (update >= TotalSteps) return EndLr;
        double remaining = 1 - (double)(update - WarmupSteps) / (TotalSteps - WarmupSteps);
        return (PeakLr - EndLr) * remaining + EndLr;
    }
}

/// <summary>
/// Gumbel-softmax temperature of the quantizer, as fairseq anneals it: τ = max(τ_max·γ^update, τ_min), set per update
/// (BASE: 2, 0.5, 0.999995). <see cref="Reaching"/> picks γ so that τ_min is reached at a given update, for short runs.
/// </summary>
public sealed record GumbelSchedule(double Max, double Min, double Decay)
{
    public static GumbelSchedule Base => new(2, 0.5, 0.999995);

    public static GumbelSchedule Reaching(double max, double min, int updates) =>
        new(max, min, Math.Pow(min / max, 1.0 / Math.Max(1, updates)));

    public double At(int update) => Math.Max(Max * Math.Pow(Decay, update), Min);
}
