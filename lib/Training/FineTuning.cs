using System.Text.Json.Nodes;
using Parp.IO;
using Parp.Models;
using Parp.Models.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Parp.Training;

/// <summary>Where a fine-tuning run starts from: a Hugging Face folder (pre-trained or CTC) or a preset with random weights.</summary>
public sealed record ModelSource(string? Folder, string? Preset)
{
    public static ModelSource FromFolder(string folder) => new(folder, null);
    public static ModelSource Random(string preset) => new(null, preset);
    public override string ToString() => Folder is not null ? $"folder {Folder}" : $"random init of preset {Preset}";
}

/// <summary>
/// A complete CTC fine-tuning run in one output folder: <c>recipe.json</c>, <c>metrics.jsonl</c>, <c>checkpoints/</c>
/// (resumable: the same call on the same folder continues), and at the end <c>model/</c> (HF layout, with vocab.json).
/// </summary>
public static class FineTuning
{
    /// <summary>The CTC model for <paramref name="recipe"/>: CNN frozen, masks/dropouts/layerdrop from the recipe, on the device and dtype.</summary>
    public static Wav2Vec2ForCtc CreateModel(ModelSource source, FineTuneRecipe recipe, int vocabSize, Device device)
    {
        Wav2Vec2ForCtc model;
        lock (Runtime.GlobalGenerator.Lock)
        {
            manual_seed(recipe.Seed);  // a fresh head (and a random-init body) is the same on every run of the recipe
            model = Build(source, recipe, vocabSize);
        }
        model.FreezeFeatureEncoder();
        model.to(device);
        if (recipe.Bf16) model.to(ScalarType.BFloat16);
        return model;
    }

    static Wav2Vec2ForCtc Build(ModelSource source, FineTuneRecipe recipe, int vocabSize)
    {
        Wav2Vec2ForCtc model;
        if (source.Folder is not null)
        {
            model = HfCheckpoint.Load(source.Folder, c => new Wav2Vec2ForCtc(c), c => recipe.Configure(c, vocabSize), device: null, format: null, out var report);
            var head = model.LmHead.weight!.shape;
            if (report.Initialized.Count == 0 && head[0] != vocabSize)
                throw new ArgumentException($"{source.Folder}: its lm_head has {head[0]} outputs, the vocabulary {vocabSize}");
        }
        else model = new Wav2Vec2ForCtc(recipe.Configure(Wav2Vec2Presets.ByName(source.Preset ?? "tiny"), vocabSize));
        return model;
    }

    /// <summary>A fine-tuning run from <paramref name="source"/> in <paramref name="outputFolder"/> (resumed when it holds a
    /// checkpoint); returns the trained model and how the run ended.</summary>
    public static (Wav2Vec2ForCtc Model, TrainingResult Result) Run(string outputFolder, ModelSource source, FineTuneRecipe recipe,
        LabelledData train, Device device, IReadOnlyList<ITrainingCallback>? callbacks = null,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default, LoopOptions? loop = null)
    {
        recipe.Validate();
        return Train(outputFolder, CreateModel(source, recipe, train.Vocabulary.Count, device), source, recipe, train, device,
            callbacks, progress, cancellation, loop);
    }

    /// <summary>
    /// As <see cref="Run"/>, from a model already made by <see cref="CreateModel"/> from <paramref name="source"/> (taken
    /// over): for callers that need θ0 before training starts, e.g. to compute a pruning mask from it.
    /// </summary>
    public static (Wav2Vec2ForCtc Model, TrainingResult Result) Train(string outputFolder, Wav2Vec2ForCtc model, ModelSource source,
        FineTuneRecipe recipe, LabelledData train, Device device, IReadOnlyList<ITrainingCallback>? callbacks = null,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default, LoopOptions? loop = null)
    {
        recipe.Validate();
        Directory.CreateDirectory(outputFolder);
        var optimizer = new Adam(model.named_parameters().Where(p => !p.name.StartsWith("wav2vec2.feature_extractor.")),
            recipe.AdamBeta1, recipe.AdamBeta2, recipe.AdamEps, weightDecay: 0);
        var task = new CtcTask(model, train, recipe, device, recipe.CachedFeatures ? FeatureCache.Of(model, train.Dataset, device) : null);
        var identity = new JsonObject
        {
            ["task"] = "finetune", ["recipe"] = recipe.ToJson(), ["model_source"] = source.ToString(),
            ["model_config"] = JsonNode.Parse(model.Config.ToJson()), ["train_data"] = ShortName(train.Description),
            ["train_utterances"] = train.Dataset.Count, ["device"] = device.type.ToString(),
        };
        // A resumed run keeps the recipe.json it started with (a refused resume with another recipe must not overwrite it).
        if (!new CheckpointStore(outputFolder).HasCheckpoint)
            AtomicFile.WriteAllText(Path.Combine(outputFolder, "recipe.json"), identity.ToJsonString(new() { WriteIndented = true }));
        loop ??= new LoopOptions { CheckpointEvery = Math.Max(1, Math.Min(500, recipe.MaxUpdates / 4)), LogEvery = Math.Max(1, Math.Min(10, recipe.MaxUpdates / 20)) };
        // The trainer reseeds this generator every update; span masks and layerdrop draw from it.
        var generator = new Generator(0);
        model.Generator = generator;
        var trainer = new Trainer(task, optimizer, recipe.Schedule(),
            loop with { MaxUpdates = recipe.MaxUpdates, UpdateFreq = recipe.UpdateFreq, ClipNorm = recipe.ClipNorm, Seed = recipe.Seed },
            outputFolder, identity, callbacks) { Progress = progress, Generator = generator };
        var result = trainer.Run(cancellation);
        if (result.Completed)
        {
            var folder = Path.Combine(outputFolder, "model");
            HfCheckpoint.Save(model, folder);
            train.Vocabulary.SaveHfJson(Path.Combine(folder, "vocab.json"));
        }
        return (model, result);
    }

    internal static string ShortName(string path) =>
        string.Join('/', path.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries).TakeLast(3));
}
