namespace Parp.Pruning;

/// <summary>The target sparsity at each update: constant (PARP) or rising linearly (PARP-P, docs/paper.md §3.8).</summary>
public abstract record SparsitySchedule
{
    /// <summary>The target after <paramref name="update"/> of <paramref name="totalUpdates"/> updates, given the measured
    /// sparsity <paramref name="initial"/> of the initial mask.</summary>
    public abstract double TargetAt(int update, int totalUpdates, double initial);

    /// <summary>The target at the end of the run (the final re-prune).</summary>
    public double Final(int totalUpdates, double initial) => TargetAt(totalUpdates, totalUpdates, initial);

    /// <summary>PARP: the measured sparsity of the initial mask throughout (docs/paper.md §3.6 line 2: s* is the target, not the CLI value).</summary>
    public static SparsitySchedule Constant { get; } = new ConstantSchedule();

    /// <summary>PARP-P: s_t = min(s, s0 + (s − s0)·t/T_ramp), s0 the initial mask's measured sparsity;
    /// <paramref name="rampUpdates"/> defaults to the whole run.</summary>
    public static SparsitySchedule Linear(double final, int? rampUpdates = null)
    {
        GlobalMagnitudePruning.CheckSparsity(final, "final sparsity");
        if (rampUpdates is <= 0) throw new ArgumentOutOfRangeException(nameof(rampUpdates), rampUpdates, "the ramp must last at least one update");
        return new LinearSchedule(final, rampUpdates);
    }

    sealed record ConstantSchedule : SparsitySchedule
    {
        public override double TargetAt(int update, int totalUpdates, double initial) => initial;
    }

    sealed record LinearSchedule(double FinalSparsity, int? RampUpdates) : SparsitySchedule
    {
        public override double TargetAt(int update, int totalUpdates, double initial)
        {
            if (FinalSparsity < initial)
                throw new PruningException($"PARP-P ramps up: the final sparsity {FinalSparsity} is below the initial mask's {initial}");
            double ramp = RampUpdates ?? Math.Max(1, totalUpdates);
            return Math.Min(FinalSparsity, initial + (FinalSparsity - initial) * Math.Min(1.0, update / ramp));
        }
    }
}
