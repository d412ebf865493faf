using Parp.Training;
using static TorchSharp.torch;

namespace Parp.Pruning;

/// <summary>One PARP (re-)prune as logged: the target, the measured pool sparsity after it, and how the mask moved.</summary>
/// <param name="Update">The update after which it ran (0 = the initial zeroing).</param>
/// <param name="Target">The target sparsity of this prune (PARP-P raises it over the run).</param>
/// <param name="MeasuredSparsity">The pool's sparsity after it.</param>
/// <param name="Changed">Entries whose kept/pruned state differs from the previous mask (churn).</param>
/// <param name="Revived">Entries kept now that the initial mask pruned.</param>
/// <param name="Final">True for the re-prune at the end of training.</param>
public sealed record ReprunePoint(int Update, double Target, double MeasuredSparsity, long Changed, long Revived, bool Final);

/// <summary>Options of a PARP or PARP-P run (docs/paper.md §3.6–3.8). The target is the initial mask's measured sparsity
/// (PARP), or rises from it to the schedule's final sparsity (PARP-P).</summary>
/// <param name="Interval">Re-prune every n updates (docs/paper.md §3.7: about 10–150).</param>
/// <param name="Schedule">Constant (PARP, the default) or linear (PARP-P).</param>
public sealed record ParpOptions(int Interval, SparsitySchedule? Schedule = null)
{
    public SparsitySchedule EffectiveSchedule => Schedule ?? SparsitySchedule.Constant;
}

/// <summary>
/// PARP (Algorithm 1) and PARP-P as a training callback, the zero-but-trainable regime (docs/paper.md §2.4):
/// at the start the pruned entries are zeroed in place once (the initial mask: MPI at s, or a given one such as
/// another language's OMP mask); then every entry trains normally with its true gradient; every n updates the pool is
/// re-pruned to the target by global magnitude from the current values, in place, so parameter objects and Adam's state
/// (which this callback never sees) survive; a final re-prune at the end leaves exactly round(s*·N) zeros.
/// </summary>
public sealed class ParpCallback : IPruningCallback, IDisposable
{
    const string InitialKey = "parp/initial/", CurrentKey = "parp/current/", TargetKey = "parp/target", HistoryKey = "parp/history";
    readonly ParpOptions options;
    readonly PoolSpec spec;
    readonly Action<string>? log;
    Mask initial;
    Mask? current;
    double initialSparsity;
    readonly List<ReprunePoint> history = [];

    /// <param name="initialMask">The mask PARP starts from (taken over): the MPI mask of θ0 (<see cref="PruningMethods.Mpi"/>)
    /// or, for the cross-lingual start, another language's OMP mask.</param>
    /// <param name="options">The re-prune interval and PARP-P's schedule.</param>
    /// <param name="spec">The pool (default: the paper's).</param>
    /// <param name="log">Receives one line per re-prune (the measured sparsity, as the spec asks).</param>
    public ParpCallback(Mask initialMask, ParpOptions options, PoolSpec? spec = null, Action<string>? log = null)
    {
        if (options.Interval <= 0) throw new ArgumentOutOfRangeException(nameof(options), options.Interval, "the re-prune interval must be at least 1 update");
        this.options = options;
        this.spec = spec ?? PoolSpec.Paper;
        this.log = log;
        initial = initialMask;
    }

    /// <summary>s*: the measured sparsity of the initial mask (the target of a PARP run).</summary>
    public double InitialSparsity => initialSparsity;
    public Mask InitialMask => initial;
    /// <summary>The latest mask; after <see cref="OnTrainingEnd"/>, the final subnetwork's mask.</summary>
    public Mask CurrentMask => current ?? throw new InvalidOperationException("training has not started");
    public Mask FinalMask => CurrentMask;
    public IReadOnlyList<ReprunePoint> History => history;

    public void OnTrainingStart(TrainingState state)
    {
        var pool = PrunablePool.Of(state.Model, spec);
        initial.ApplyTo(pool);                                   // zero once, in place (line 3)
        initialSparsity = initial.Sparsity();                   // line 2: the measured rate is the target
        current = initial.WithInfo(initial.Info);
        Record(state.Update, initialSparsity, pool.MeasuredSparsity(), 0, 0, false);
    }

    public void AfterOptimizerStep(TrainingState state)
    {
        if (state.Update % options.Interval != 0 || state.Update >= state.TotalUpdates) return;   // the end has its own
        Reprune(state, final: false);
    }

    public void OnTrainingEnd(TrainingState state) => Reprune(state, final: true);

    void Reprune(TrainingState state, bool final)
    {
        if (current is null) throw new InvalidOperationException("PARP re-prune before OnTrainingStart");
        var pool = PrunablePool.Of(state.Model, spec);
        double target = final ? options.EffectiveSchedule.Final(state.TotalUpdates, initialSparsity)
                              : options.EffectiveSchedule.TargetAt(state.Update, state.TotalUpdates, initialSparsity);
        var next = GlobalMagnitudePruning.Prune(pool, target, new MaskInfo(Method, target, "PARP run", state.Update, spec.Name));
        var (changed, revived) = MaskAnalysis.ChangedAndRevived(initial, current, next);
        current.Dispose();
        current = next;
        Record(state.Update, target, pool.MeasuredSparsity(), changed, revived, final);
    }

    void Record(int update, double target, double measured, long changed, long revived, bool final)
    {
        var point = new ReprunePoint(update, target, measured, changed, revived, final);
        history.Add(point);
        log?.Invoke($"{(final ? "final re-prune" : update == 0 && changed == 0 ? "initial prune" : "re-prune")} at update {update}: " +
                    $"target {target:P3}, measured sparsity {measured:P4}, changed {changed}, revived {revived}");
    }

    public IReadOnlyDictionary<string, Tensor> StateToSave()
    {
        var state = new Dictionary<string, Tensor>();
        if (current is null) return state;
        foreach (var n in initial.Names) state[InitialKey + n] = initial[n];
        foreach (var n in current.Names) state[CurrentKey + n] = current[n];
        state[TargetKey] = tensor(initialSparsity);
        // The log survives a resume, so a finished run's history is whole (one row per re-prune).
        state[HistoryKey] = tensor(history.SelectMany(h => new[] { h.Update, h.Target, h.MeasuredSparsity, h.Changed, h.Revived, h.Final ? 1.0 : 0 }).ToArray(),
            [history.Count, 6], ScalarType.Float64);
        return state;
    }

    public void RestoreState(IReadOnlyDictionary<string, Tensor> state)
    {
        List<KeyValuePair<string, Tensor>> Take(string prefix, string what)
        {
            var t = state.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
                .Select(kv => KeyValuePair.Create(kv.Key[prefix.Length..], kv.Value.to_type(ScalarType.Bool).clone())).ToList();
            if (t.Count == 0) throw new PruningException($"the checkpoint holds no PARP {what} mask ('{prefix}' entries) to restore");
            return t;
        }
        if (!state.TryGetValue(TargetKey, out var target)) throw new PruningException($"the checkpoint holds no '{TargetKey}' to restore");
        history.Clear();
        if (state.TryGetValue(HistoryKey, out var log))     // absent in checkpoints written before the log was saved
        {
            var rows = log.to_type(ScalarType.Float64).cpu().data<double>().ToArray();
            for (int i = 0; i + 5 < rows.Length; i += 6)
                history.Add(new ReprunePoint((int)rows[i], rows[i + 1], rows[i + 2], (long)rows[i + 3], (long)rows[i + 4], rows[i + 5] != 0));
        }
        // The masks' provenance is what the uninterrupted run gives them: the initial mask's as handed in, the current
        // one's from the last re-prune (Reprune), so a resumed run saves the same mask files.
        var initialInfo = InitialMask.Info;
        var last = history.LastOrDefault();
        var currentInfo = last is null || history.Count == 1 ? initialInfo : new MaskInfo(Method, last.Target, "PARP run", last.Update, spec.Name);
        initial.Dispose();
        current?.Dispose();
        initial = new Mask(Take(InitialKey, "initial"), initialInfo);
        current = new Mask(Take(CurrentKey, "current"), currentInfo);
        initialSparsity = target.to_type(ScalarType.Float64).item<double>();
    }

    string Method => options.Schedule is null ? "parp" : "parp-p";

    public void Dispose()
    {
        initial.Dispose();
        current?.Dispose();
    }
}
