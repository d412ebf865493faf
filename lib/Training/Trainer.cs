using System.Diagnostics;
using System.Text.Json.Nodes;
using Parp.Data;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Parp.Training;

/// <summary>What one micro-batch contributed to an update.</summary>
/// <param name="LossSum">The summed loss whose gradient was accumulated (not yet normalised).</param>
/// <param name="Normalizer">What the update's loss is divided by: utterances (CTC, sentence_avg) or masked frames (pre-training).</param>
/// <param name="AudioSeconds">Seconds of audio in the micro-batch (without padding).</param>
/// <param name="Metrics">Further values to log, summed over the update's micro-batches; a name "per_X" is logged as X divided
/// by the update's normaliser, "avg_X" as X averaged over the micro-batches.</param>
public sealed record MicroBatchResult(double LossSum, double Normalizer, double AudioSeconds, IReadOnlyDictionary<string, double> Metrics);

/// <summary>The objective a <see cref="Trainer"/> optimises: CTC fine-tuning or wav2vec 2.0 pre-training.</summary>
public interface ITrainingTask
{
    string Name { get; }
    nn.Module Model { get; }
    /// <summary>Batches from a data position on, epoch after epoch.</summary>
    IEnumerable<BatchPlan> Batches(BatchPosition from);
    /// <summary>Per-update settings before the forward passes (body freezing, Gumbel temperature).</summary>
    void BeginUpdate(int update);
    /// <summary>Forward and backward of one micro-batch, gradients accumulated on the parameters.</summary>
    MicroBatchResult ForwardBackward(BatchPlan plan, int update);
}

/// <summary>Loop settings shared by fine-tuning and pre-training.</summary>
public sealed record LoopOptions
{
    public int MaxUpdates { get; init; }
    /// <summary>Micro-batches accumulated per update (fairseq update_freq).</summary>
    public int UpdateFreq { get; init; } = 1;
    /// <summary>Global gradient-norm clip; 0 = none (the norm is still logged).</summary>
    public double ClipNorm { get; init; }
    public int Seed { get; init; } = FineTuneRecipe.DefaultSeed;
    public int CheckpointEvery { get; init; } = 500;
    public int LogEvery { get; init; } = 10;
    /// <summary>Non-finite losses or gradients tolerated (each skips its update) before the run stops.</summary>
    public int MaxSkippedUpdates { get; init; } = 20;
}

/// <summary>How a run ended.</summary>
public sealed record TrainingResult(int Updates, bool Completed, int SkippedUpdates, double AudioSeconds, double ElapsedSeconds);

/// <summary>
/// The update loop: accumulate <see cref="LoopOptions.UpdateFreq"/> micro-batches, normalise the summed gradient by the
/// update's normaliser (fairseq: sample size), call <see cref="ITrainingCallback.BeforeGradientClip"/>, clip, call
/// <see cref="ITrainingCallback.BeforeOptimizerStep"/>, step Adam at the schedule's rate, call
/// <see cref="ITrainingCallback.AfterOptimizerStep"/>. Each update runs in its own dispose
/// scope and reseeds its generators from (seed, update), so a run stopped and resumed from a checkpoint computes
/// exactly what an uninterrupted one computes. A non-finite loss or gradient skips the update (the data moves on, the
/// update count does not, as in fairseq) and the run stops with a <see cref="TrainingException"/> after too many.
/// </summary>
public sealed class Trainer
{
    readonly ITrainingTask _task;
    readonly Adam _optimizer;
    readonly ILearningRateSchedule _schedule;
    readonly LoopOptions _options;
    readonly IReadOnlyList<ITrainingCallback> _callbacks;
    readonly JsonObject _recipe;
    readonly string _runFolder;

    /// <summary>Per-update source of span masks, negatives, Gumbel noise and layerdrop (reseeded every update).</summary>
    public Generator Generator { get; init; } = new Generator(0);
    public IProgress<TrainingProgress>? Progress { get; init; }
    public CheckpointStore Checkpoints { get; }
    public string MetricsPath => Path.Combine(_runFolder, "metrics.jsonl");

    /// <param name="task">The objective: CTC fine-tuning or pre-training.</param>
    /// <param name="optimizer">Adam over the trainable parameters.</param>
    /// <param name="schedule">The learning rate per update.</param>
    /// <param name="options">Updates, accumulation, clipping, seed, checkpoint and log intervals.</param>
    /// <param name="runFolder">Where checkpoints and metrics.jsonl live; a run with a checkpoint there resumes.</param>
    /// <param name="recipe">Everything that determines the computation; a resume with a different recipe is refused.</param>
    /// <param name="callbacks">Called around each optimizer step (pruning).</param>
    public Trainer(ITrainingTask task, Adam optimizer, ILearningRateSchedule schedule, LoopOptions options, string runFolder,
        JsonObject recipe, IReadOnlyList<ITrainingCallback>? callbacks = null)
    {
        if (options.MaxUpdates < 0) throw new ArgumentOutOfRangeException(nameof(options), "max updates must not be negative");
        if (options.UpdateFreq < 1) throw new ArgumentOutOfRangeException(nameof(options), "update_freq must be at least 1");
        _task = task; _optimizer = optimizer; _schedule = schedule; _options = options; _runFolder = runFolder;
        _recipe = recipe; _callbacks = callbacks ?? [];
        Checkpoints = new CheckpointStore(runFolder);
    }

    public TrainingResult Run(CancellationToken cancellation = default)
    {
        var model = _task.Model;
        TrainerState state;
        bool resumed = Checkpoints.HasCheckpoint;
        if (resumed)
        {
            state = Checkpoints.Restore(model, _optimizer, _callbacks, _recipe);
            if (state.Update >= _options.MaxUpdates) // already finished: nothing to redo, no callback twice
                return new TrainingResult(state.Update, true, state.SkippedUpdates, state.AudioSeconds, state.ElapsedSeconds);
        }
        else
        {
            state = new TrainerState(0, new BatchPosition(0, 0), 0, 0, 0, _recipe);
            using (no_grad()) foreach (var c in _callbacks) c.OnTrainingStart(new TrainingState(model, 0, _options.MaxUpdates));
        }
        using var log = new MetricsLog(MetricsPath, resumed ? state.Update : null);
        var clock = Stopwatch.StartNew();
        double elapsedBefore = state.ElapsedSeconds;
        var window = new Window();
        model.train();
        using var batches = _task.Batches(state.Position).GetEnumerator();

        while (state.Update < _options.MaxUpdates)
        {
            if (cancellation.IsCancellationRequested)
            {
                Save(state with { ElapsedSeconds = elapsedBefore + clock.Elapsed.TotalSeconds });
                return new TrainingResult(state.Update, false, state.SkippedUpdates, state.AudioSeconds, elapsedBefore + clock.Elapsed.TotalSeconds);
            }
            var plans = new List<BatchPlan>();
            for (int i = 0; i < _options.UpdateFreq; i++)
            {
                if (!batches.MoveNext()) throw new TrainingException($"{_task.Name}: the data ran out at update {state.Update}");
                plans.Add(batches.Current);
            }
            var outcome = OneUpdate(state.Update, plans);
            var next = plans[^1].Next;
            state = state with { Position = next, AudioSeconds = state.AudioSeconds + outcome.AudioSeconds };
            if (!outcome.Stepped)
            {
                state = state with { SkippedUpdates = state.SkippedUpdates + 1 };
                log.Write(new Dictionary<string, double> { ["update"] = state.Update, ["skipped"] = state.SkippedUpdates });
                if (state.SkippedUpdates > _options.MaxSkippedUpdates)
                    throw new TrainingException($"{_task.Name}: {state.SkippedUpdates} updates had a non-finite loss or gradient " +
                        $"(last at update {state.Update}, {plans[^1].Position}); the run stops. Lower the learning rate, use float32, or check the data.");
                continue;
            }
            state = state with { Update = state.Update + 1 };
            window.Add(outcome);
            bool last = state.Update == _options.MaxUpdates;
            if (state.Update % _options.LogEvery == 0 || last)
                Report(log, state, window, elapsedBefore + clock.Elapsed.TotalSeconds);
            if (state.Update % _options.CheckpointEvery == 0 && !last)
                Save(state with { ElapsedSeconds = elapsedBefore + clock.Elapsed.TotalSeconds });
        }
        using (no_grad()) foreach (var c in _callbacks) c.OnTrainingEnd(new TrainingState(model, state.Update, _options.MaxUpdates));
        double total = elapsedBefore + clock.Elapsed.TotalSeconds;
        Save(state with { ElapsedSeconds = total });
        return new TrainingResult(state.Update, true, state.SkippedUpdates, state.AudioSeconds, total);
    }

    void Save(TrainerState state) => Checkpoints.Save(_task.Model, _optimizer, _callbacks, state);

    sealed record UpdateOutcome(bool Stepped, double Loss, double Lr, double GradNorm, double AudioSeconds, Dictionary<string, double> Metrics);

    UpdateOutcome OneUpdate(int update, List<BatchPlan> plans)
    {
        var outcome = ForwardBackward(update, plans);
        if (!outcome.Stepped) return outcome;
        // Callbacks and the step run outside the update's dispose scope: what a callback keeps (a new mask) must live on.
        var before = new TrainingState(_task.Model, update, _options.MaxUpdates);
        using (no_grad()) foreach (var c in _callbacks) c.BeforeOptimizerStep(before);
        _optimizer.Step(outcome.Lr);
        var after = new TrainingState(_task.Model, update + 1, _options.MaxUpdates);
        using (no_grad()) foreach (var c in _callbacks) c.AfterOptimizerStep(after);
        return outcome;
    }

    // Seeds, forward and backward of every micro-batch, gradient normalisation, the callbacks' gradient masks and
    // clipping, in one dispose scope.
    // Stepped = false: the loss or the gradient norm is not finite, and the update must be skipped.
    UpdateOutcome ForwardBackward(int update, List<BatchPlan> plans)
    {
        using var scope = NewDisposeScope();
        ulong seed = DeterministicRandom.Mix(_options.Seed, update, 0x7570);
        lock (Runtime.GlobalGenerator.Lock)
        {
            manual_seed((long)(seed >> 1));                   // dropout on a GPU draws from the global generator
            if (cuda.is_available()) cuda.manual_seed_all((long)(seed >> 1));
        }
        Generator.manual_seed((long)(DeterministicRandom.Mix((long)seed, 1) >> 1));
        _task.BeginUpdate(update);
        _task.Model.zero_grad();
        double lossSum = 0, normalizer = 0, audio = 0;
        var sums = new Dictionary<string, double>();
        foreach (var plan in plans)
        {
            var r = _task.ForwardBackward(plan, update);
            lossSum += r.LossSum; normalizer += r.Normalizer; audio += r.AudioSeconds;
            foreach (var (k, v) in r.Metrics) sums[k] = sums.GetValueOrDefault(k) + v;
        }
        double lr = _schedule.At(update);
        if (!double.IsFinite(lossSum) || normalizer <= 0)
            return new UpdateOutcome(false, lossSum, lr, double.NaN, audio, sums);
        var trainable = _optimizer.Parameters.Where(p => p.grad is not null).ToList();
        double gradNorm;
        using (no_grad())
        {
            using var scale = (1.0 / normalizer).ToScalar();     // explicit Scalar: see Adam.Step
            foreach (var p in trainable) p.grad!.mul_(scale);
            var state = new TrainingState(_task.Model, update, _options.MaxUpdates);
            foreach (var c in _callbacks) c.BeforeGradientClip(state);
            gradNorm = ClipGradients(trainable, _options.ClipNorm);
        }
        if (!double.IsFinite(gradNorm)) return new UpdateOutcome(false, lossSum / normalizer, lr, gradNorm, audio, sums);
        return new UpdateOutcome(true, lossSum / normalizer, lr, gradNorm, audio, UpdateMetrics(sums, normalizer, plans.Count));
    }

    // Micro-batch metrics are sums; "per_X" becomes X per normaliser unit, "avg_X" X averaged over the micro-batches.
    static Dictionary<string, double> UpdateMetrics(Dictionary<string, double> sums, double normalizer, int microBatches) =>
        sums.ToDictionary(
            kv => kv.Key.StartsWith("per_") || kv.Key.StartsWith("avg_") ? kv.Key[4..] : kv.Key,
            kv => kv.Key.StartsWith("per_") ? kv.Value / normalizer : kv.Key.StartsWith("avg_") ? kv.Value / microBatches : kv.Value);

    /// <summary>torch.nn.utils.clip_grad_norm_: total 2-norm over all gradients; scaled down when above the limit.</summary>
    internal static double ClipGradients(IReadOnlyList<Parameter> parameters, double maxNorm)
    {
        if (parameters.Count == 0) return 0;
        var norms = stack(parameters.Select(p => p.grad!.to_type(ScalarType.Float32).norm()).ToArray());
        double total = norms.norm().item<float>();
        if (maxNorm > 0 && double.IsFinite(total))
        {
            double coefficient = maxNorm / (total + 1e-6);
            using var scale = coefficient.ToScalar();
            if (coefficient < 1) foreach (var p in parameters) p.grad!.mul_(scale);
        }
        return total;
    }

    /// <summary>Averages over the updates since the last report.</summary>
    sealed class Window
    {
        public readonly List<(double loss, double gradNorm, double lr, double audio, Dictionary<string, double> metrics)> Items = [];
        public Stopwatch Clock { get; private set; } = Stopwatch.StartNew();
        public void Add(UpdateOutcome o) => Items.Add((o.Loss, o.GradNorm, o.Lr, o.AudioSeconds, o.Metrics));
        public void Reset() { Items.Clear(); Clock = Stopwatch.StartNew(); }
    }

    void Report(MetricsLog log, TrainerState state, Window window, double elapsed)
    {
        if (window.Items.Count == 0) return;
        double seconds = Math.Max(window.Clock.Elapsed.TotalSeconds, 1e-9);
        var row = new Dictionary<string, double>
        {
            ["update"] = state.Update,
            ["loss"] = window.Items.Average(i => i.loss),
            ["lr"] = window.Items[^1].lr,
            ["grad_norm"] = window.Items.Average(i => i.gradNorm),
            ["updates_per_s"] = window.Items.Count / seconds,
            ["audio_s_per_s"] = window.Items.Sum(i => i.audio) / seconds,
            ["audio_hours"] = state.AudioSeconds / 3600,
            ["elapsed_s"] = elapsed,
            ["skipped"] = state.SkippedUpdates,
        };
        foreach (var key in window.Items.SelectMany(i => i.metrics.Keys).Distinct())
            row[key] = window.Items.Where(i => i.metrics.ContainsKey(key)).Average(i => i.metrics[key]);
        log.Write(row);
        Progress?.Report(new TrainingProgress(_task.Name, state.Update, _options.MaxUpdates, row["loss"], row["lr"],
            row["updates_per_s"], row["audio_s_per_s"], TimeSpan.FromSeconds(elapsed), row));
        window.Reset();
    }
}
