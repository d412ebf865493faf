using System.Diagnostics;
using Parp.Data;
using Parp.Models;
using Parp.Runtime;
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
        var progress = new SynchronousProgress<TrainingProgress>(p =>
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

    /// <summary>
    /// The training path as the experiment runner takes it: the shipped pre-trained model fine-tuned on the generated
    /// 10min split of <paramref name="language"/> with the tiny recipe cut to <paramref name="batch"/> utterances per
    /// update, through <see cref="FineTuning.Run"/> (trainer, Adam, callbacks, checkpoints), timed over
    /// <paramref name="updates"/> updates after two warm-up updates, in audio seconds per wall second over the whole
    /// machine. Each configuration in turn: the CNN at every step or its features cached, one run on every core or one
    /// run per core at once.
    /// </summary>
    public static void TrainingPath(Device device, string scale, string language, int batch, int updates)
    {
        var data = LabelledData.Generated(scale, language, "10min");
        var recipe = Parp.Experiments.ExperimentSetting.TinyEnglish with { MaxBatchSize = batch, MaxUpdates = updates + 2 };
        int cores = Environment.ProcessorCount;
        Console.WriteLine($"processor: {Parp.Runtime.Processor.Description}, {cores} cores");
        var configurations = new List<(string Name, bool Cached, bool Mixed, int Runs, int Threads)> { ("CNN at every step (before), 1 run", false, false, 1, cores) };
        if (cores > 1) configurations.Add(($"CNN at every step, {cores} runs at once", false, false, cores, 1));
        configurations.Add(("cached features, 1 run", true, false, 1, cores));
        if (cores > 1) configurations.Add(($"cached features, {cores} runs at once (the runner's default)", true, false, cores, 1));
        // bf16 products on float32 weights: only where the processor has bf16 instructions is it worth timing.
        if (Parp.Runtime.Processor.HasNativeBf16)
        {
            configurations.Add(("cached features, mixed bf16, 1 run", true, true, 1, cores));
            if (cores > 1) configurations.Add(($"cached features, mixed bf16, {cores} runs at once", true, true, cores, 1));
        }
        int threadsBefore = get_num_threads();
        foreach (var (name, cached, mixed, runs, threads) in configurations)
        {
            if (cached)
            {
                var clock0 = Stopwatch.StartNew();
                using var theta0 = FineTuning.CreateModel(ModelSource.FromFolder(Parp.Models.ShippedModels.TinyPretrained), recipe, data.Vocabulary.Count, device);
                var features = FeatureCache.Of(theta0, data.Dataset, device);
                Console.WriteLine($"  features of the {data.Dataset.Count} utterances ready in {clock0.Elapsed.TotalSeconds:F1} s ({(features.File is { } f && File.Exists(f) ? "from " + f : "computed per batch")})");
            }
            var audio = new double[runs];
            var start = new double[runs];
            var clock = new Stopwatch[runs];
            var workers = Enumerable.Range(0, runs).Select(r => new Thread(() =>
            {
                set_num_threads(threads);      // LibTorch's intra-op threads are set per thread
                var folder = Directory.CreateTempSubdirectory("parp-bench-").FullName;
                try
                {
                    var progress = new SynchronousProgress<TrainingProgress>(p =>
                    {
                        if (p.Update == 2) { clock[r] = Stopwatch.StartNew(); start[r] = p.Metrics["audio_hours"] * 3600; }   // after the warm-up
                        if (p.Update == updates + 2) { clock[r].Stop(); audio[r] = p.Metrics["audio_hours"] * 3600 - start[r]; }
                    });
                    FineTuning.Run(folder, ModelSource.FromFolder(Parp.Models.ShippedModels.TinyPretrained), recipe with { CachedFeatures = cached, MixedBf16 = mixed, Seed = 2337 + r },
                        data, device, progress: progress, loop: new LoopOptions { LogEvery = 1, CheckpointEvery = updates + 3 }).Model.Dispose();
                }
                finally { Directory.Delete(folder, recursive: true); }
            })).ToList();
            foreach (var w in workers) w.Start();
            foreach (var w in workers) w.Join();
            double seconds = clock.Max(c => c.Elapsed.TotalSeconds);
            Console.WriteLine($"{Path.GetFileName(Parp.Models.ShippedModels.TinyPretrained)} {(mixed ? "MixedBf16" : "Float32")} on {device.type}: training path ({scale} {language} 10min, batch {batch}), " +
                $"{name} × {threads} thread(s): {audio.Sum() / seconds:F1} s of audio per second ({updates} updates each)");
        }
        set_num_threads(threadsBefore);
    }

    /// <summary>
    /// What computing the frozen CNN once per utterance changes (<see cref="FeatureCache"/>): its features, and θ0's
    /// logits in evaluation mode, for every utterance of the 10min split inside the padded batches training makes
    /// against the same utterance alone, over the utterance's real frames. The group norm normalises each channel over
    /// all frames of the batch row, padding included, so a row padded to a longer neighbour differs.
    /// </summary>
    public static void FeatureSemantics(Device device, string scale, string language, int batch)
    {
        var data = LabelledData.Generated(scale, language, "10min");
        var recipe = Parp.Experiments.ExperimentSetting.TinyEnglish with { MaxBatchSize = batch };
        using var model = FineTuning.CreateModel(ModelSource.FromFolder(Parp.Models.ShippedModels.TinyPretrained), recipe, data.Vocabulary.Count, device);
        model.eval();
        var alone = FeatureCache.Of(model, data.Dataset, device);
        var batcher = LengthBucketedBatcher.ForManifest(data.Dataset.Manifest, recipe.MaxTokens, recipe.Seed, maxBatchSize: batch);
        double featureDiff = 0, featureNorm = 0, logitDiff = 0, logitNorm = 0, maxLogit = 0;
        int rows = 0, padded = 0;
        using var _ = no_grad();
        foreach (var indices in batcher.BatchesOfEpoch(0))
        {
            using var scope = NewDisposeScope();
            var (audio, _) = data.Dataset.Collate(new BatchPlan(new BatchPosition(0, 0), indices, new BatchPosition(0, 1)), recipe.Seed);
            var input = CtcBatch.ToTensors(audio, [], model.Config, device, ScalarType.Float32);
            var inBatch = model.Wav2Vec2.Features(input.Input);
            var frameMask = Parp.Models.FrameLengths.FrameMask(model.Config, input.AttentionMask, inBatch.shape[1]);
            var batchLogits = model.forwardFeatures(inBatch, frameMask).Logits;
            var (own, ownMask, frames) = alone.Collate(indices, ScalarType.Float32);
            var ownLogits = model.forwardFeatures(own, ownMask).Logits;
            for (int b = 0; b < indices.Length; b++)
            {
                var n = frames[b];
                var f1 = inBatch[b].narrow(0, 0, n); var f2 = own[b].narrow(0, 0, n);
                var l1 = batchLogits[b].narrow(0, 0, n); var l2 = ownLogits[b].narrow(0, 0, n);
                static double SquaredNorm(Tensor t) => t.mul(t).sum().item<float>();   // square() makes a temporary Scalar
                featureDiff += SquaredNorm(f1.sub(f2)); featureNorm += SquaredNorm(f2);
                logitDiff += SquaredNorm(l1.sub(l2)); logitNorm += SquaredNorm(l2);
                maxLogit = Math.Max(maxLogit, l1.sub(l2).abs().max().item<float>());
                rows++;
                if (n < inBatch.shape[1]) padded++;
            }
        }
        Console.WriteLine($"features once per utterance against inside padded batches of {batch} ({rows} utterances, {padded} of them padded): " +
            $"features differ by {Math.Sqrt(featureDiff / featureNorm):P2} (relative L2), θ0's logits by {Math.Sqrt(logitDiff / logitNorm):P2} (largest |Δ| {maxLogit:G3})");
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

}
