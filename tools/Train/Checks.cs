using System.Diagnostics;
using Parp.Models;
using TorchSharp;
using Parp.Training;
using static TorchSharp.torch;

/// <summary>Measurements that are commands, not tests (docs/design.md §8: tests never assert on time or on noisy process figures).</summary>
static class Checks
{
    /// <summary>
    /// Smoke-scale fine-tuning for <paramref name="updates"/> updates; the process's working set (after a full GC) at update
    /// 100 and at the end must agree within <paramref name="tolerancePercent"/>. Returns the exit code.
    /// </summary>
    public static int Memory(Device device, int updates, double tolerancePercent)
    {
        var outDir = Directory.CreateTempSubdirectory("parp-memory-check-").FullName;
        var samples = new SortedDictionary<int, long>();
        var liveTensors = new SortedDictionary<int, long>();
        var progress = new SynchronousProgress(p =>
        {
            if (p.Update % 50 != 0 && p.Update != 100) return;
            GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
            TrimNativeHeap();
            samples[p.Update] = Process.GetCurrentProcess().WorkingSet64;
            liveTensors[p.Update] = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            Console.Error.WriteLine($"update {p.Update}: working set {samples[p.Update] / 1048576.0:F1} MiB, live tensors {liveTensors[p.Update]}, loss {p.Loss:F2}");
        });
        try
        {
            var data = LabelledData.Generated("smoke", "en", "10min");
            var recipe = FineTunePresets.Get("smoke") with { MaxUpdates = updates };
            FineTuning.Run(outDir, ModelSource.Random("smoke"), recipe, data, device, progress: progress,
                loop: new LoopOptions { LogEvery = 10, CheckpointEvery = updates + 1 }).Model.Dispose();
        }
        finally { Directory.Delete(outDir, recursive: true); }
        long at100 = samples[100], atEnd = samples[updates];
        double change = 100.0 * (atEnd - at100) / at100;
        Console.WriteLine($"working set: update 100 {at100 / 1048576.0:F1} MiB, update {updates} {atEnd / 1048576.0:F1} MiB, change {change:+0.0;-0.0}% (limit ±{tolerancePercent}%); " +
            $"live tensors {liveTensors[100]} -> {liveTensors[updates]}");
        // Live tensors must not grow at all (a leak of wrappers); the working set may wander with the allocator.
        return Math.Abs(change) <= tolerancePercent && liveTensors[updates] <= liveTensors[100] ? 0 : 1;
    }

    /// <summary>
    /// Fine-tuning throughput (forward, CTC loss, backward, Adam) of a preset on random audio: <paramref name="batch"/>
    /// utterances of <paramref name="seconds"/> s with 12 letters per second, float32 and bfloat16, seconds of audio per second.
    /// </summary>
    public static void Speed(Device device, string preset, int batch, double seconds, int iterations)
    {
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.BFloat16 })
        {
            manual_seed(0);
            var recipe = FineTunePresets.Get("tiny");
            var model = new Wav2Vec2ForCtc(recipe.Configure(Wav2Vec2Presets.ByName(preset), 32));
            model.FreezeFeatureEncoder();
            model.to(device).to(dtype);
            model.train();
            var adam = new Adam(model.named_parameters().Where(p => !p.name.StartsWith("wav2vec2.feature_extractor.")));
            long samples = (long)(seconds * 16000);
            int letters = (int)(seconds * 12);
            var times = new List<double>();
            for (int i = 0; i < iterations + 2; i++)
            {
                using var scope = NewDisposeScope();
                var input = randn(batch, samples, device: device).to(dtype);
                var labels = randint(4, 32, [batch, letters], dtype: ScalarType.Int64, device: device);
                if (device.type == DeviceType.CUDA) cuda.synchronize();
                var clock = Stopwatch.StartNew();
                model.zero_grad();
                var loss = model.forward(input, null, labels).Loss!;
                loss.backward();
                adam.Step(1e-4);
                if (device.type == DeviceType.CUDA) cuda.synchronize();
                if (i >= 2) times.Add(clock.Elapsed.TotalSeconds);   // two warm-up steps
            }
            double median = times.Order().ElementAt(times.Count / 2);
            Console.WriteLine($"{preset} {dtype} on {device.type}: batch {batch} x {seconds} s, median step {median * 1000:F1} ms, " +
                $"{batch * seconds / median:F1} s of audio per second ({iterations} steps)");
            model.Dispose();
        }
    }

    // glibc keeps freed native memory in its arenas, so the working set wanders by several percent with the shapes of
    // recent batches; returning it to the OS first makes the figure measure what is alive. A no-op elsewhere.
    static void TrimNativeHeap()
    {
        if (!OperatingSystem.IsLinux()) return;
        try { malloc_trim(0); } catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "malloc_trim")]
    static extern int malloc_trim(nuint pad);

    /// <summary>IProgress that runs on the caller's thread (Progress&lt;T&gt; posts to the thread pool).</summary>
    sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
