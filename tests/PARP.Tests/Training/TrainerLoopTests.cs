using System.Text.Json.Nodes;
using Parp.Data;
using Parp.Tests.Support;
using Parp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Parp.Tests.Training;

/// <summary>The update loop with a tiny regression task: callbacks, accumulation, bad losses, resume and recipe checks.</summary>
[Collection(nameof(GlobalTorchRandom))]
public class TrainerLoopTests
{
    /// <summary>Linear regression over 40 fixed examples, 4 per batch; NaN losses at chosen (epoch, batch) positions.</summary>
    sealed class RegressionTask : ITrainingTask
    {
        readonly Tensor _x, _y;
        readonly LengthBucketedBatcher _batcher = new(Enumerable.Repeat(1L, 40).ToArray(), maxTokens: 4, seed: 5);
        public HashSet<BatchPosition> NanAt { get; } = [];
        public nn.Module<Tensor, Tensor> Net { get; }
        public RegressionTask(int seed)
        {
            manual_seed(seed);
            Net = nn.Sequential(nn.Linear(3, 8), nn.Dropout(0.5), nn.Linear(8, 1));
            manual_seed(0);
            _x = randn(40, 3); _y = randn(40, 1);
        }
        public string Name => "regression";
        public nn.Module Model => Net;
        public IEnumerable<BatchPlan> Batches(BatchPosition from) => _batcher.From(from);
        public void BeginUpdate(int update) { }
        public MicroBatchResult ForwardBackward(BatchPlan plan, int update)
        {
            var idx = tensor(plan.Indices.Select(i => (long)i).ToArray());
            var loss = (Net.forward(_x[idx]) - _y[idx]).pow(2).sum();
            if (NanAt.Contains(plan.Position)) loss = loss * double.NaN;
            double value = loss.item<float>();
            if (double.IsFinite(value)) loss.backward();
            return new MicroBatchResult(value, plan.Indices.Length, 1, new Dictionary<string, double>());
        }
    }

    sealed class Recorder : ITrainingCallback
    {
        public List<string> Events { get; } = [];
        public int Counter { get; private set; }
        public int ThrowAfterUpdate { get; init; } = int.MaxValue;
        public void OnTrainingStart(TrainingState s) => Events.Add($"start {s.Update}");
        public void BeforeGradientClip(TrainingState s) => Events.Add($"clip {s.Update}");
        public void BeforeOptimizerStep(TrainingState s)
        {
            bool hasGrad = s.Model.parameters().All(p => p.grad is not null);
            Events.Add($"before {s.Update} grad={hasGrad} nograd={!is_grad_enabled()}");
        }
        public void AfterOptimizerStep(TrainingState s)
        {
            Counter++;
            Events.Add($"after {s.Update}");
            if (s.Update == ThrowAfterUpdate) throw new InvalidOperationException("simulated crash");
        }
        public void OnTrainingEnd(TrainingState s) => Events.Add($"end {s.Update}");
        public IReadOnlyDictionary<string, Tensor> StateToSave() => new Dictionary<string, Tensor> { ["counter"] = tensor(Counter) };
        public void RestoreState(IReadOnlyDictionary<string, Tensor> state) => Counter = state["counter"].item<int>();
    }

    static JsonObject Recipe(double lr = 0.01) => new() { ["lr"] = lr };

    static Trainer Make(RegressionTask task, string dir, int updates, IReadOnlyList<ITrainingCallback>? callbacks = null,
        JsonObject? recipe = null, int checkpointEvery = 3, int maxSkipped = 20) =>
        new(task, new Adam(task.Net.named_parameters().Select(p => (p.name, p.parameter))), new TriStageSchedule(0.01, 2, 3, 5),
            new LoopOptions { MaxUpdates = updates, UpdateFreq = 2, CheckpointEvery = checkpointEvery, LogEvery = 1, Seed = 7, MaxSkippedUpdates = maxSkipped },
            dir, recipe ?? Recipe(), callbacks);

    static Dictionary<string, Tensor> Weights(nn.Module m) => m.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());

    [Fact]
    public void Callbacks_run_at_their_points_with_gradients_present_and_no_grad()
    {
        using var dir = new TempDir();
        var recorder = new Recorder();
        var result = Make(new RegressionTask(1), dir.Path, 2, [recorder]).Run();
        Assert.True(result.Completed);
        Assert.Equal(["start 0", "clip 0", "before 0 grad=True nograd=True", "after 1", "clip 1", "before 1 grad=True nograd=True", "after 2", "end 2"], recorder.Events);
        var rows = MetricsLog.Read(Path.Combine(dir.Path, "metrics.jsonl"));
        Assert.Equal([1.0, 2.0], rows.Select(r => r["update"]));
        Assert.Equal(0.01 * 0.01, rows[0]["lr"], 12);         // update 0 ran at the tri-stage initial rate
    }

    /// <summary>Zeroes every gradient where a fixed mask zeroes the pruned ones.</summary>
    sealed class ZeroGradients : ITrainingCallback
    {
        public void BeforeGradientClip(TrainingState s) { foreach (var p in s.Model.parameters()) p.grad?.zero_(); }
    }

    [Fact]
    public void Gradients_are_masked_before_the_clip_measures_them()
    {
        using var dir = new TempDir();
        var task = new RegressionTask(1);
        var before = Weights(task.Net);
        Make(task, dir.Path, 3, [new ZeroGradients()]).Run();
        var rows = MetricsLog.Read(Path.Combine(dir.Path, "metrics.jsonl"));
        Assert.All(rows, r => Assert.Equal(0.0, r["grad_norm"]));   // the clip saw only what the callback left
        foreach (var (k, v) in Weights(task.Net)) Assert.True(Bits.Same(before[k], v), $"{k} moved with no gradient");
    }

    [Fact]
    public void Stopped_and_crashed_runs_resume_to_bit_identical_weights()
    {
        using var dir = new TempDir();
        var straight = new RegressionTask(1);
        Make(straight, Path.Combine(dir.Path, "a"), 10, [new Recorder()]).Run();

        // stopped by cancellation after update 4 (a checkpoint is written at the stop), then resumed
        var b = Path.Combine(dir.Path, "b");
        using (var cts = new CancellationTokenSource())
        {
            var task = new RegressionTask(1);
            var stopper = new StopAt(4, cts);
            var first = Make(task, b, 10, [new Recorder(), stopper]).Run(cts.Token);
            Assert.False(first.Completed);
            Assert.Equal(4, first.Updates);
        }
        var resumedRecorder = new Recorder();
        var resumed = new RegressionTask(123);                  // other initial weights: all must come from the checkpoint
        Assert.True(Make(resumed, b, 10, [resumedRecorder, new StopAt(-1, null)]).Run().Completed);
        Assert.DoesNotContain(resumedRecorder.Events, e => e.StartsWith("start"));
        Assert.Equal(10, resumedRecorder.Counter);              // callback state came back from the checkpoint

        // crashed by an exception at update 5 (last checkpoint at 3), then resumed
        var c = Path.Combine(dir.Path, "c");
        var crashing = new RegressionTask(1);
        Assert.Throws<InvalidOperationException>(() => Make(crashing, c, 10, [new Recorder { ThrowAfterUpdate = 5 }]).Run());
        var again = new RegressionTask(77);
        Make(again, c, 10, [new Recorder()]).Run();

        foreach (var (k, v) in Weights(straight.Net))
        {
            Assert.True(Bits.Same(v, resumed.Net.state_dict()[k]), $"{k}: stopped-and-resumed run differs");
            Assert.True(Bits.Same(v, again.Net.state_dict()[k]), $"{k}: crashed-and-resumed run differs");
        }
        // the log of the crashed run holds each update once
        var updates = MetricsLog.Read(Path.Combine(c, "metrics.jsonl")).Select(r => (int)r["update"]).ToList();
        Assert.Equal(Enumerable.Range(1, 10), updates);
    }

    sealed class StopAt(int update, CancellationTokenSource? cts) : ITrainingCallback
    {
        public void AfterOptimizerStep(TrainingState s) { if (s.Update == update) cts!.Cancel(); }
    }

    [Fact]
    public void Resuming_with_another_recipe_is_refused_with_the_difference()
    {
        using var dir = new TempDir();
        using var cts = new CancellationTokenSource();
        Make(new RegressionTask(1), dir.Path, 10, [new StopAt(2, cts)]).Run(cts.Token);
        var e = Assert.Throws<TrainingException>(() => Make(new RegressionTask(1), dir.Path, 10, recipe: Recipe(0.02)).Run());
        Assert.Contains("lr: 0.01 → 0.02", e.Message);
    }

    [Fact]
    public void Non_finite_losses_skip_the_update_and_too_many_stop_the_run()
    {
        using var dir = new TempDir();
        var task = new RegressionTask(1);
        task.NanAt.Add(new BatchPosition(0, 1));               // the second micro-batch of the first update
        var before = Weights(task.Net);
        var recorder = new Recorder();
        var result = Make(task, Path.Combine(dir.Path, "one"), 3, [recorder]).Run();
        Assert.Equal(1, result.SkippedUpdates);
        Assert.Equal(3, result.Updates);
        Assert.Equal(3, recorder.Counter);                      // the skipped update never reached the optimizer

        var bad = new RegressionTask(1);
        for (int e = 0; e < 10; e++) for (int b = 0; b < 10; b++) bad.NanAt.Add(new BatchPosition(e, b));
        var error = Assert.Throws<TrainingException>(() => Make(bad, Path.Combine(dir.Path, "all"), 3, maxSkipped: 4).Run());
        Assert.Contains("non-finite", error.Message);
        foreach (var (k, v) in Weights(bad.Net)) Assert.True(Bits.Same(v, before[k]), $"{k} changed although every update was skipped");
    }
}
