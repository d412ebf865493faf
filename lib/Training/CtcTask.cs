using Parp.Data;
using Parp.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Parp.Training;

/// <summary>
/// CTC fine-tuning as an <see cref="ITrainingTask"/>: padded batches with an attention mask, the model's CTC loss
/// (summed per utterance, blank 0, zero_infinity), normalised by the update's utterance count. During the first
/// <see cref="FineTuneRecipe.FreezeFinetuneUpdates"/> only lm_head requires a gradient, so the body builds no graph
/// and Adam skips it. Utterances whose labels need more frames than the audio gives (CTC infeasible) are counted. With
/// a <see cref="FeatureCache"/> the frozen CNN's features of each utterance come from it instead of the padded audio.
/// </summary>
public sealed class CtcTask : ITrainingTask
{
    readonly Wav2Vec2ForCtc _model;
    readonly LabelledData _data;
    readonly AudioCache _audio;
    readonly FineTuneRecipe _recipe;
    readonly LengthBucketedBatcher _batcher;
    readonly Device _device;
    readonly FeatureCache? _features;
    bool? _bodyTrains;

    public CtcTask(Wav2Vec2ForCtc model, LabelledData data, FineTuneRecipe recipe, Device device, FeatureCache? features = null)
    {
        _model = model; _data = data; _recipe = recipe; _device = device; _features = features;
        _audio = new AudioCache(data.Dataset);
        if (data.Vocabulary.Count != model.Config.VocabSize)
            throw new ArgumentException($"{data.Description}: the vocabulary has {data.Vocabulary.Count} symbols but the model's head has {model.Config.VocabSize} outputs");
        _batcher = LengthBucketedBatcher.ForManifest(data.Dataset.Manifest, recipe.MaxTokens, recipe.Seed, shuffle: true, recipe.MaxBatchSize);
        var tooShort = Enumerable.Range(0, data.Dataset.Count).FirstOrDefault(i => FrameLengths.FromSamples(model.Config, data.Dataset.Manifest.Entries[i].NumSamples) < 1, -1);
        if (tooShort >= 0)
            throw new DataFormatException(data.Description, tooShort + 2,
                $"{data.Dataset.Manifest.Entries[tooShort].NumSamples} samples is shorter than the feature encoder's receptive field ({model.Config.ReceptiveField})");
    }

    public string Name => "finetune";
    public nn.Module Model => _model;

    public IEnumerable<BatchPlan> Batches(BatchPosition from) => _batcher.From(from);

    public void BeginUpdate(int update)
    {
        bool bodyTrains = update >= _recipe.FreezeFinetuneUpdates;
        if (_bodyTrains == bodyTrains) return;
        foreach (var (name, p) in _model.named_parameters())
            if (!name.StartsWith("wav2vec2.feature_extractor.")) p.requires_grad = bodyTrains || name.StartsWith("lm_head.");
        _bodyTrains = bodyTrains;
    }

    public MicroBatchResult ForwardBackward(BatchPlan plan, int update)
    {
        using var scope = NewDisposeScope();
        var targets = plan.Indices.Select(i => _data.Dataset.Targets![i]).ToArray();
        long[] frames;
        double seconds;
        CtcOutput output;
        using var autocast = Autocast.To(_recipe.MixedBf16 ? ScalarType.BFloat16 : null);
        if (_features is not null)
        {
            (var features, var frameMask, frames) = _features.Collate(plan.Indices, _model.LmHead.weight!.dtype);
            output = _model.forwardFeatures(features, frameMask, CtcBatch.LabelTensor(targets, _device));
            seconds = plan.Indices.Sum(i => _data.Dataset.Manifest.Entries[i].NumSamples) / 16000.0;
        }
        else
        {
            var (audio, _) = _audio.Collate(plan, _recipe.Seed);
            var batch = CtcBatch.ToTensors(audio, targets, _model.Config, _device, _model.LmHead.weight!.dtype);
            output = _model.forward(batch.Input, batch.AttentionMask, batch.Labels);
            frames = audio.Lengths.Select(l => FrameLengths.FromSamples(_model.Config, l)).ToArray();
            seconds = audio.Lengths.Sum() / 16000.0;
        }
        var loss = output.Loss!;
        double value = loss.item<float>();
        if (double.IsFinite(value)) loss.backward();
        int infeasible = CtcBatch.Infeasible(targets, frames);   // logged: labels too long for their frames
        return new MicroBatchResult(value, plan.Indices.Length, seconds,
            new Dictionary<string, double> { ["infeasible"] = infeasible, ["utterances"] = plan.Indices.Length });
    }
}

/// <summary>A padded batch as the model's tensors.</summary>
public sealed record CtcBatch(Tensor Input, Tensor AttentionMask, Tensor? Labels)
{
    public static CtcBatch ToTensors(PaddedBatch audio, int[][] targets, Wav2Vec2Config config, Device device, ScalarType? dtype = null)
    {
        if (audio.BatchSize == 0) throw new ArgumentException("an empty batch");
        var input = tensor(audio.Samples, [audio.BatchSize, audio.Time]).to(device);
        var mask = tensor(audio.AttentionMask(), [audio.BatchSize, audio.Time]).to_type(ScalarType.Int64).to(device);
        return new CtcBatch(input.to_type(dtype ?? ScalarType.Float32), mask, targets.Length > 0 ? LabelTensor(targets, device) : null);
    }

    /// <summary>Targets as HF labels: [B, longest] int64, padded with -100.</summary>
    public static Tensor LabelTensor(int[][] targets, Device device)
    {
        int longest = Math.Max(1, targets.Max(t => t.Length));
        var flat = new long[targets.Length * longest];
        Array.Fill(flat, -100L);
        for (int b = 0; b < targets.Length; b++)
            for (int i = 0; i < targets[b].Length; i++) flat[b * longest + i] = targets[b][i];
        return tensor(flat, [targets.Length, longest]).to(device);
    }

    /// <summary>Utterances whose labels need more frames than they have: L symbols plus one blank between each repeat.</summary>
    public static int Infeasible(int[][] targets, long[] frames)
    {
        int count = 0;
        for (int b = 0; b < targets.Length; b++)
        {
            var t = targets[b];
            int needed = t.Length + Enumerable.Range(1, Math.Max(0, t.Length - 1)).Count(i => t[i] == t[i - 1]);
            if (needed > frames[b]) count++;
        }
        return count;
    }
}
