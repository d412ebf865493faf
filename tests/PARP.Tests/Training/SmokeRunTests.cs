using Parp.Data;
using Parp.Models;
using Parp.Tests.Support;
using Parp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Parp.Tests.Training;

/// <summary>Real smoke-scale runs on the generated smoke corpus (espeak-ng regenerates its audio when missing).</summary>
[Collection(nameof(GlobalTorchRandom))]
public class SmokeRunTests : IDisposable
{
    // One LibTorch thread: spinning OpenMP threads on a small shared CPU made these runs many times slower. The
    // collection runs alone, so changing the process-wide setting here touches no other test.
    readonly int _threads = get_num_threads();
    public SmokeRunTests() => set_num_threads(1);
    public void Dispose() => set_num_threads(_threads);

    static readonly FineTuneRecipe Ft = FineTunePresets.Get("smoke") with
    {
        MaxUpdates = 6, FreezeFinetuneUpdates = 2, MaxBatchSize = 2, UpdateFreq = 2,
    };
    static readonly LoopOptions Loop = new() { CheckpointEvery = 2, LogEvery = 1 };

    sealed class Snapshot : ITrainingCallback
    {
        public Dictionary<string, Tensor> Initial { get; } = [];
        public Dictionary<string, Tensor> AfterFreeze { get; } = [];
        public void OnTrainingStart(TrainingState s) { foreach (var (k, v) in s.Model.state_dict()) Initial[k] = v.clone(); }
        public void AfterOptimizerStep(TrainingState s)
        {
            if (s.Update == 2) foreach (var (k, v) in s.Model.state_dict()) AfterFreeze[k] = v.clone();
        }
    }

    sealed class StopAt(int update, CancellationTokenSource cts) : ITrainingCallback
    {
        public void AfterOptimizerStep(TrainingState s) { if (s.Update == update) cts.Cancel(); }
    }

    [RequiresProgramFact("espeak-ng", "espeak-ng")]
    public void Fine_tuning_freezes_then_trains_the_body_resumes_exactly_and_evaluates()
    {
        using var dir = new TempDir();
        var data = LabelledData.Generated("smoke", "en", "10min");
        var snapshot = new Snapshot();
        var (straight, result) = FineTuning.Run(Path.Combine(dir.Path, "a"), ModelSource.Random("smoke"), Ft, data, CPU, [snapshot], loop: Loop);
        Assert.True(result.Completed);
        Assert.True(File.Exists(Path.Combine(dir.Path, "a", "model", "model.safetensors")));
        Assert.True(File.Exists(Path.Combine(dir.Path, "a", "model", "vocab.json")));
        var final = straight.state_dict();
        foreach (var (k, v) in snapshot.Initial)
        {
            bool cnn = k.StartsWith("wav2vec2.feature_extractor."), head = k.StartsWith("lm_head.");
            Assert.True(cnn || head || Bits.Same(v, snapshot.AfterFreeze[k]), $"{k} trained during freeze_finetune_updates");
            if (head) Assert.False(Bits.Same(v, snapshot.AfterFreeze[k]), $"{k} did not train while the body was frozen");
            if (cnn) Assert.True(Bits.Same(v, final[k]), $"{k}: the CNN must stay frozen");
        }
        Assert.Contains(final.Keys, k => k.StartsWith("wav2vec2.encoder.") && !Bits.Same(snapshot.Initial[k], final[k]));

        using (var cts = new CancellationTokenSource())
        {
            var (_, first) = FineTuning.Run(Path.Combine(dir.Path, "b"), ModelSource.Random("smoke"), Ft, data, CPU, [new StopAt(3, cts)], cancellation: cts.Token, loop: Loop);
            Assert.False(first.Completed);
        }
        var (resumed, second) = FineTuning.Run(Path.Combine(dir.Path, "b"), ModelSource.Random("smoke"), Ft with { }, data, CPU, [new Snapshot()], loop: Loop);
        Assert.True(second.Completed);
        var differing = final.Where(kv => !Bits.Same(kv.Value, resumed.state_dict()[kv.Key]))
            .Select(kv => $"{kv.Key} (max |diff| {(kv.Value - resumed.state_dict()[kv.Key]).abs().max().item<float>():E2})").ToList();
        Assert.True(differing.Count == 0, $"the resumed run differs from the uninterrupted one in {differing.Count} of {final.Count} tensors: {string.Join(", ", differing.Take(8))}");

        var test = LabelledData.Generated("smoke", "en", "test");
        var eval = Evaluator.Evaluate(resumed, test, "test", CPU);
        Assert.Equal(test.Dataset.Count, eval.Utterances.Count);
        Assert.Equal(eval.Utterances.Sum(u => ErrorRates.Words(u.Reference).Length), eval.Primary.ReferenceLength);
        Assert.NotNull(eval.Cer);
        eval.SaveHypotheses(dir.File("hyp.tsv"));
        Assert.Equal(test.Dataset.Count + 1, File.ReadAllLines(dir.File("hyp.tsv")).Length);
        Assert.True(resumed.training);                           // evaluation leaves the mode as it found it
    }

    [RequiresProgramFact("espeak-ng", "espeak-ng")]
    public void Pre_training_anneals_gumbel_logs_its_losses_and_resumes_exactly()
    {
        using var dir = new TempDir();
        var pool = LabelledData.GeneratedPool("smoke", ["en", "es"]);
        var recipe = PreTrainRecipe.Get("smoke") with { MaxUpdates = 4 };
        var (straight, result) = PreTraining.Run(Path.Combine(dir.Path, "a"), ModelSource.Random("smoke"), recipe, pool, "smoke", CPU, loop: Loop);
        Assert.True(result.Completed);
        var rows = MetricsLog.Read(Path.Combine(dir.Path, "a", "metrics.jsonl"));
        Assert.Equal(4, rows.Count);
        Assert.All(rows, r => Assert.True(double.IsFinite(r["loss"]) && r["masked_frames"] > 0 && r["contrastive"] > 0));
        var temperatures = rows.Select(r => r["gumbel_temperature"]).ToList();
        Assert.Equal(temperatures.OrderByDescending(t => t), temperatures);
        Assert.Equal(recipe.Gumbel().At(3), temperatures[^1], 9);
        Assert.True(File.Exists(Path.Combine(dir.Path, "a", "model", "config.json")));

        using (var cts = new CancellationTokenSource())
            Assert.False(PreTraining.Run(Path.Combine(dir.Path, "b"), ModelSource.Random("smoke"), recipe, pool, "smoke", CPU,
                cancellation: cts.Token, loop: Loop, callbacks: [new StopAt(2, cts)]).Result.Completed);
        var (resumed, _) = PreTraining.Run(Path.Combine(dir.Path, "b"), ModelSource.Random("smoke"), recipe, pool, "smoke", CPU, loop: Loop);
        foreach (var (k, v) in straight.state_dict()) Assert.True(Bits.Same(v, resumed.state_dict()[k]), $"{k}: the resumed pre-training differs");
    }

    [RequiresProgramFact("espeak-ng", "espeak-ng")]
    public void A_vocabulary_that_does_not_fit_the_head_is_refused()
    {
        var data = LabelledData.Generated("smoke", "es", "10min");
        var model = new Wav2Vec2ForCtc(Ft.Configure(Wav2Vec2Presets.Smoke, 32));
        var e = Assert.Throws<ArgumentException>(() => new CtcTask(model, data, Ft, CPU));
        Assert.Contains("10min.tsv", e.Message);
        Assert.Contains("32 outputs", e.Message);
    }
}
