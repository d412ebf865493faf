using System.Text.Json.Nodes;
using Parp.Data;
using Parp.IO;
using Parp.Models;
using Parp.Models.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Parp.Training;

/// <summary>
/// wav2vec 2.0 pre-training as an <see cref="ITrainingTask"/>: each micro-batch is cropped to its shortest utterance
/// (at most max_sample_size), masked with fairseq span masks, given K negatives per masked frame from the same
/// utterance, and its summed loss (contrastive + weighted diversity [+ feature penalty]) back-propagated; the trainer
/// divides the gradients by the update's masked-frame count (fairseq's sample size). Draws come from the trainer's
/// per-update generator.
/// </summary>
public sealed class PreTrainingTask : ITrainingTask
{
    readonly Wav2Vec2ForPreTraining _model;
    readonly SpeechDataset _pool;
    readonly AudioCache _audio;
    readonly PreTrainRecipe _recipe;
    readonly LengthBucketedBatcher _batcher;
    readonly GumbelSchedule _gumbel;
    readonly Device _device;
    readonly Generator _generator;

    public PreTrainingTask(Wav2Vec2ForPreTraining model, SpeechDataset pool, PreTrainRecipe recipe, Device device, Generator generator)
    {
        _model = model; _pool = pool; _recipe = recipe; _device = device; _generator = generator;
        _audio = new AudioCache(pool);
        _gumbel = recipe.Gumbel();
        _batcher = LengthBucketedBatcher.ForManifest(pool.Manifest, recipe.MaxTokens, recipe.Seed, shuffle: true, recipe.MaxBatchSize, recipe.MaxSampleSize);
        model.FeaturePenaltyWeight = recipe.FeaturePenaltyWeight;
        model.Wav2Vec2.Generator = generator;
        model.Quantizer.Generator = generator;
        var tooShort = Enumerable.Range(0, pool.Count).FirstOrDefault(i => FrameLengths.FromSamples(model.Config, pool.Manifest.Entries[i].NumSamples) < recipe.MaskLength + 1, -1);
        if (tooShort >= 0)
            throw new DataFormatException(pool.Manifest.SourceFile ?? pool.Manifest.FullPath(tooShort), tooShort + 2,
                $"{pool.Manifest.FullPath(tooShort)} is too short to hold one mask span of {recipe.MaskLength} frames");
    }

    public string Name => "pretrain";
    public nn.Module Model => _model;
    public IEnumerable<BatchPlan> Batches(BatchPosition from) => _batcher.From(from);

    public void BeginUpdate(int update) => _model.Quantizer.Temperature = _gumbel.At(update);

    public MicroBatchResult ForwardBackward(BatchPlan plan, int update)
    {
        using var scope = NewDisposeScope();
        var (audio, _) = _audio.Collate(plan, _recipe.Seed, _recipe.MaxSampleSize, cropToShortest: true);
        var input = tensor(audio.Samples, [audio.BatchSize, audio.Time]).to(_device).to_type(_model.ProjectQ.weight!.dtype);
        var c = _model.Config;
        int frames = (int)FrameLengths.FromSamples(c, audio.Time);
        var mask = SpanMasking.ComputeTensor(c.SpanMaskStyle, audio.BatchSize, frames, c.MaskTimeProb, c.MaskTimeLength,
            c.MaskTimeMinMasks, null, _generator, _device);
        var negatives = NegativeSampling.Sample(mask, c.NumNegatives, _generator);
        var output = _model.forward(input, null, mask, negatives);
        double loss = output.Loss!.item<float>();
        if (double.IsFinite(loss)) output.Loss.backward();
        double masked = mask.sum().item<long>();
        var metrics = new Dictionary<string, double>
        {
            ["per_contrastive"] = output.ContrastiveLoss!.item<float>(),
            ["per_diversity"] = output.DiversityLoss!.item<float>(),
            ["avg_perplexity"] = output.CodevectorPerplexity.item<float>(),
            ["avg_gumbel_temperature"] = _model.Quantizer.Temperature,
            ["masked_frames"] = masked,
        };
        if (output.FeaturePenalty is not null) metrics["avg_feature_penalty"] = output.FeaturePenalty.item<float>();
        return new MicroBatchResult(loss, masked, audio.Lengths.Sum() / 16000.0, metrics);
    }
}

/// <summary>A complete pre-training run in one output folder (resumable), ending with <c>model/</c> in the HF layout.</summary>
/// <summary>A short pre-training run made to show the code path (<see cref="PreTraining.Demo"/>).</summary>
public sealed record PreTrainingDemo(string Folder, string Preset, int Updates, int BatchSize, double Seconds, double FirstLoss, double LastLoss)
{
    public string MetricsPath => Path.Combine(Folder, "metrics.jsonl");
    public override string ToString() => $"{Updates} updates of {BatchSize} utterances, preset {Preset}, {Seconds:0} s; loss {FirstLoss:0.00} → {LastLoss:0.00}";
}

public static class PreTraining
{
    /// <summary>
    /// A few updates of the scale's pre-training recipe from random weights on the generated en+es pool, cached under
    /// <c>pretraining-demo/</c> in the cache (<see cref="Artifacts.Cache"/>) (a finished run is read back): smoke uses the smoke preset and recipe,
    /// tiny and paper the Tiny architecture and recipe at 8 utterances per update. Null when <paramref name="updates"/> is 0.
    /// </summary>
    public static PreTrainingDemo? Demo(string scale, int updates, Device device, IProgress<TrainingProgress>? progress = null)
    {
        if (updates <= 0) return null;
        bool smoke = scale == "smoke";
        var preset = smoke ? "smoke" : "tiny";
        var recipe = PreTrainRecipe.Get(preset) with { MaxUpdates = updates };
        if (!smoke) recipe = recipe with { MaxBatchSize = 8, MaxTokens = 8L * recipe.MaxSampleSize };
        var folder = Path.Combine(Artifacts.Cache, "pretraining-demo", $"{preset}-{updates}");
        var pool = LabelledData.GeneratedPool(smoke ? "smoke" : "tiny", ["en", "es"], recipe.NormalizeAudio);
        var (model, result) = Run(folder, ModelSource.Random(preset), recipe, pool, $"{(smoke ? "smoke" : "tiny")} en+es pool", device, progress);
        model.Dispose();
        var losses = MetricsLog.Series(MetricsLog.Read(Path.Combine(folder, "metrics.jsonl")), "loss").values;
        return new PreTrainingDemo(folder, preset, result.Updates, smoke ? recipe.MaxBatchSize : 8, result.ElapsedSeconds,
            losses.FirstOrDefault(double.NaN), losses.LastOrDefault(double.NaN));
    }

    public static (Wav2Vec2ForPreTraining Model, TrainingResult Result) Run(string outputFolder, ModelSource source, PreTrainRecipe recipe,
        SpeechDataset pool, string poolName, Device device, IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellation = default, LoopOptions? loop = null, IReadOnlyList<ITrainingCallback>? callbacks = null)
    {
        recipe.Validate();
        Directory.CreateDirectory(outputFolder);
        Wav2Vec2ForPreTraining model;
        lock (Runtime.GlobalGenerator.Lock)
        {
            manual_seed(recipe.Seed);
            model = source.Folder is not null
                ? HfCheckpoint.LoadPreTraining(source.Folder, recipe.Configure)
                : new Wav2Vec2ForPreTraining(recipe.Configure(Wav2Vec2Presets.ByName(source.Preset ?? "tiny")));
        }
        model.to(device);
        if (recipe.Bf16) model.to(ScalarType.BFloat16);
        var optimizer = new Adam(model.named_parameters(), recipe.AdamBeta1, recipe.AdamBeta2, recipe.AdamEps, recipe.WeightDecay);
        var identity = new JsonObject
        {
            ["task"] = "pretrain", ["recipe"] = recipe.ToJson(), ["model_source"] = source.ToString(),
            ["model_config"] = JsonNode.Parse(model.Config.ToJson()), ["pool"] = poolName, ["pool_utterances"] = pool.Count,
            ["device"] = device.type.ToString(),
        };
        // A resumed run keeps the recipe.json it started with (a refused resume with another recipe must not overwrite it).
        if (!new CheckpointStore(outputFolder).HasCheckpoint)
            AtomicFile.WriteAllText(Path.Combine(outputFolder, "recipe.json"), identity.ToJsonString(new() { WriteIndented = true }));
        loop ??= new LoopOptions { CheckpointEvery = Math.Max(1, Math.Min(500, recipe.MaxUpdates / 4)), LogEvery = Math.Max(1, Math.Min(10, recipe.MaxUpdates / 20)) };
        var trainerOptions = loop with { MaxUpdates = recipe.MaxUpdates, UpdateFreq = recipe.UpdateFreq, ClipNorm = recipe.ClipNorm, Seed = recipe.Seed };
        // One generator, reseeded by the trainer every update, feeds masks, negatives, Gumbel noise and layerdrop,
        // so a resumed update draws exactly what the original drew.
        var generator = new Generator(0);
        var task = new PreTrainingTask(model, pool, recipe, device, generator);
        var trainer = new Trainer(task, optimizer, recipe.Schedule(), trainerOptions, outputFolder, identity, callbacks) { Progress = progress, Generator = generator };
        var result = trainer.Run(cancellation);
        if (result.Completed) HfCheckpoint.Save(model, Path.Combine(outputFolder, "model"));
        return (model, result);
    }
}
