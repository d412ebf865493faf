using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Parp.Data;
using Parp.IO;
using Parp.Models;
using Parp.Models.Checkpoints;
using Parp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Parp.Text;

/// <summary>
/// Masked-language-model pre-training of a small BERT (the θ0 of E16 at <c>tiny</c>), as BERT and RoBERTa train:
/// batches of whole texts cut to <see cref="MaxLength"/> tokens, 15 % of the tokens predicted, Adam with decoupled
/// weight decay, linear warm-up and decay, clip 1.0. No next-sentence task, so the pooler is not trained here (a
/// classifier's fine-tuning trains it, from transformers' initialisation).
/// </summary>
public sealed record TextPreTrainRecipe
{
    public int MaxUpdates { get; init; } = 3000;
    public int BatchSize { get; init; } = 64;
    public int MaxLength { get; init; } = 64;
    public double LearningRate { get; init; } = 1e-3;
    public double WeightDecay { get; init; } = 0.01;
    public double WarmupFraction { get; init; } = 0.06;
    public double ClipNorm { get; init; } = 1.0;
    public int Seed { get; init; } = 2337;
    /// <summary>A checkpoint every this many updates (and at the end): a stopped run resumes from the last one.</summary>
    public int SaveEvery { get; init; } = 250;

    /// <summary>The tiny model's shape: 4 layers of width 128 (4 heads, 512 inner), 128 positions.</summary>
    public static BertConfig TinyConfig(int vocabSize) => new()
    {
        VocabSize = vocabSize, HiddenSize = 128, NumHiddenLayers = 4, NumAttentionHeads = 4, IntermediateSize = 512, MaxPositionEmbeddings = 128,
    };

    /// <summary>The tiny XLNet: the tiny BERT's shape (4 layers of width 128, 4 heads, 512 inner), relative positions,
    /// and &lt;pad&gt; at <see cref="SentencePieceVocabulary"/>'s id.</summary>
    public static XLNetConfig TinyXLNetConfig(int vocabSize) => new()
    {
        VocabSize = vocabSize, DModel = 128, NLayer = 4, NHead = 4, DInner = 512, PadTokenId = Array.IndexOf(SentencePieceVocabulary.Specials, "<pad>"),
    };
}

/// <summary>One logged update of a pre-training run.</summary>
public sealed record TextPreTrainStep(int Update, double Loss, double LearningRate, double Seconds);

/// <summary>
/// What a pre-training objective gives <see cref="TextPreTraining"/>: the model, the loss of a batch of texts at the
/// tokens it predicts, and the finished model's folder in transformers' layout.
/// </summary>
public abstract class TextPreTrainingObjective
{
    public abstract nn.Module Model { get; }

    public IEnumerable<GeneratorDropout> Dropouts() => Model.modules().OfType<GeneratorDropout>();

    /// <summary>The loss of <paramref name="texts"/>, and the logits [M, V] and labels [M] of the M tokens predicted,
    /// which are drawn from <paramref name="random"/>.</summary>
    public abstract (Tensor Loss, Tensor Logits, Tensor Labels) Loss(IReadOnlyList<string> texts, DeterministicRandom random, Device device);

    /// <summary>Writes config.json, model.safetensors and the tokenizer's file into <paramref name="folder"/>.</summary>
    public abstract void Save(string folder);
}

/// <summary>BERT's masked language modelling (<see cref="MaskedLanguageModelling"/>) over <c>[CLS] text [SEP]</c>.</summary>
public sealed class MaskedLanguageModelObjective : TextPreTrainingObjective
{
    readonly BertForMaskedLM model;
    readonly BertTextEncoder encoder;
    readonly string? vocabFile;
    readonly HashSet<long> special;
    readonly long maskId;

    /// <summary>The objective over <paramref name="vocabFile"/>'s tokens, texts cut to <paramref name="maxLength"/>.</summary>
    public MaskedLanguageModelObjective(BertForMaskedLM model, string vocabFile, int maxLength)
        : this(model, BertTextEncoder.FromVocabulary(vocabFile, maxLength: maxLength), File.ReadAllLines(vocabFile).Where(l => l.Length > 0).ToList(), vocabFile)
    {
    }

    /// <summary>The objective with an encoder at hand (no vocabulary file: it cannot <see cref="Save"/>).</summary>
    public MaskedLanguageModelObjective(BertForMaskedLM model, BertTextEncoder encoder, IReadOnlyList<string> vocabulary, string? vocabFile = null)
    {
        (this.model, this.encoder, this.vocabFile) = (model, encoder, vocabFile);
        if (vocabulary.Count != model.Config.VocabSize)
            throw new ArgumentException($"{vocabFile ?? "the vocabulary"} has {vocabulary.Count} tokens, the config {model.Config.VocabSize}");
        var tokens = vocabulary.ToList();
        special = [encoder.PaddingId, tokens.IndexOf("[CLS]"), tokens.IndexOf("[SEP]")];
        maskId = tokens.IndexOf("[MASK]");
    }

    public override nn.Module Model => model;

    public override (Tensor Loss, Tensor Logits, Tensor Labels) Loss(IReadOnlyList<string> texts, DeterministicRandom random, Device device)
    {
        using var scope = NewDisposeScope();
        var (ids, mask, types) = encoder.Batch(texts.Select(t => (t, (string?)null)).ToList());
        var (inputs, labels) = MaskedLanguageModelling.Mask(ids.data<long>().ToArray(), mask.data<long>().ToArray(), special, maskId,
            model.Config.VocabSize, random);
        var (loss, logits, chosen) = model.MaskedLoss(tensor(inputs, ids.shape).to(device), mask.to(device), types.to(device), tensor(labels, ids.shape).to(device));
        return (scope.MoveToOuter(loss), scope.MoveToOuter(logits), scope.MoveToOuter(chosen));
    }

    public override void Save(string folder)
    {
        BertCheckpoint.Save(model, folder);
        File.Copy(vocabFile ?? throw new InvalidOperationException("no vocabulary file to save beside the model"), Path.Combine(folder, "vocab.txt"), overwrite: true);
    }
}

/// <summary>
/// XLNet's permutation language modelling (<see cref="PermutationLanguageModelling"/>) over <c>text &lt;sep&gt;
/// &lt;cls&gt;</c>, padded on the left to an even length. The model reads the attention mask and token types as it will
/// when fine-tuned (transformers' run_plm passes neither).
/// </summary>
public sealed class PermutationLanguageModelObjective : TextPreTrainingObjective
{
    readonly XLNetLMHeadModel model;
    readonly XLNetTextEncoder encoder;
    readonly string spieceModel;
    readonly HashSet<long> special;
    readonly long maskId;

    public PermutationLanguageModelObjective(XLNetLMHeadModel model, string spieceModel, int maxLength)
    {
        (this.model, this.spieceModel) = (model, spieceModel);
        encoder = XLNetTextEncoder.FromModel(spieceModel, maxLength: maxLength);
        int pieces = SentencePieceVocabulary.ReadPieces(spieceModel).Count;
        if (pieces != model.Config.VocabSize) throw new ArgumentException($"{spieceModel} has {pieces} pieces, the config {model.Config.VocabSize}");
        special = [encoder.PaddingId, encoder.SeparatorId, encoder.ClassificationId];
        maskId = encoder.PieceId("<mask>") ?? throw new InvalidDataException($"{spieceModel}: no piece '<mask>', which permutation pre-training needs");
    }

    public override nn.Module Model => model;

    public override (Tensor Loss, Tensor Logits, Tensor Labels) Loss(IReadOnlyList<string> texts, DeterministicRandom random, Device device)
    {
        using var scope = NewDisposeScope();
        var (ids, mask, types) = encoder.Batch(texts.Select(t => (t, (string?)null)).ToList(), padToMultipleOf: 2);
        int length = (int)ids.shape[1];
        var (inputs, perm, labels) = PermutationLanguageModelling.Mask(ids.data<long>().ToArray(), mask.data<long>().ToArray(), length, special, maskId, random);
        var (loss, logits, chosen) = model.PermutationLoss(tensor(inputs, ids.shape).to(device), mask.to(device), types.to(device),
            tensor(perm, ids.shape[0], length, length).to(device), tensor(labels, ids.shape).to(device));
        return (scope.MoveToOuter(loss), scope.MoveToOuter(logits), scope.MoveToOuter(chosen));
    }

    public override void Save(string folder)
    {
        XLNetCheckpoint.Save(model, folder);
        File.Copy(spieceModel, Path.Combine(folder, "spiece.model"), overwrite: true);
    }
}

/// <summary>
/// Runs <see cref="TextPreTrainRecipe"/> with an objective into a folder: <c>checkpoint.safetensors</c> (model,
/// optimizer and the update reached, written atomically every <see cref="TextPreTrainRecipe.SaveEvery"/> updates),
/// <c>log.jsonl</c> (one line per update), and at the end <c>model/</c>: a transformers folder (BertForMaskedLM with
/// vocab.txt, or XLNetLMHeadModel with spiece.model). Every draw (the order of texts, the masks, dropout) is a
/// function of the seed and the update, so a stopped run resumed from its checkpoint ends with the weights an
/// uninterrupted run gets.
/// </summary>
public static class TextPreTraining
{
    /// <summary>The finished model's folder under a run folder.</summary>
    public static string ModelFolder(string runFolder) => Path.Combine(runFolder, "model");

    /// <summary>Pre-trains a BERT with masked language modelling on <paramref name="texts"/> (resuming, or reading back a
    /// finished run); returns the model.</summary>
    public static BertForMaskedLM Run(IReadOnlyList<string> texts, string vocabFile, BertConfig config, TextPreTrainRecipe recipe, string runFolder,
        Device device, IProgress<TextPreTrainStep>? progress = null, CancellationToken cancellation = default)
    {
        var model = Fresh(() => new BertForMaskedLM(config), recipe.Seed);
        Run(texts, new MaskedLanguageModelObjective(model, vocabFile, recipe.MaxLength), recipe, runFolder, device, progress, cancellation);
        return model;
    }

    /// <summary>Pre-trains an XLNet with permutation language modelling on <paramref name="texts"/>; returns the model.</summary>
    public static XLNetLMHeadModel Run(IReadOnlyList<string> texts, string spieceModel, XLNetConfig config, TextPreTrainRecipe recipe, string runFolder,
        Device device, IProgress<TextPreTrainStep>? progress = null, CancellationToken cancellation = default)
    {
        var model = Fresh(() => new XLNetLMHeadModel(config), recipe.Seed);
        Run(texts, new PermutationLanguageModelObjective(model, spieceModel, recipe.MaxLength), recipe, runFolder, device, progress, cancellation);
        return model;
    }

    /// <summary>A model initialised from the global generator at <paramref name="seed"/>.</summary>
    public static T Fresh<T>(Func<T> create, int seed)
    {
        lock (Runtime.GlobalGenerator.Lock)
        {
            manual_seed(seed);
            return create();
        }
    }

    /// <summary>Pre-trains <paramref name="objective"/>'s model on <paramref name="texts"/>, resuming a stopped run, or
    /// reads a finished run's weights back into it.</summary>
    public static void Run(IReadOnlyList<string> texts, TextPreTrainingObjective objective, TextPreTrainRecipe recipe, string runFolder,
        Device device, IProgress<TextPreTrainStep>? progress = null, CancellationToken cancellation = default)
    {
        if (texts.Count == 0) throw new ArgumentException("no texts to pre-train on");
        var model = objective.Model;
        var finished = Path.Combine(ModelFolder(runFolder), CheckpointFiles.Safetensors);
        if (File.Exists(finished))
        {
            using var saved = CheckpointFiles.Read(ModelFolder(runFolder), null);
            Copy(saved.Tensors, model, finished);
            model.to(device);
            return;
        }
        model.to(device);
        model.train();
        var parameters = model.named_parameters().ToList();
        var (decayed, plain) = GlueRecipe.Optimizers(parameters, recipe.WeightDecay);
        var checkpoint = Path.Combine(runFolder, "checkpoint.safetensors");
        var log = Path.Combine(runFolder, "log.jsonl");
        Directory.CreateDirectory(runFolder);
        int start = 0;
        if (File.Exists(checkpoint))
        {
            start = Restore(checkpoint, model, decayed, plain);
            // The log keeps the updates the checkpoint holds; later ones will be trained again.
            AtomicFile.WriteAllLines(log, File.Exists(log) ? File.ReadLines(log).Where(l => (int)JsonNode.Parse(l)!["update"]! <= start) : []);
        }
        else File.Delete(log);

        var generator = new Generator((ulong)recipe.Seed);
        foreach (var dropout in objective.Dropouts()) dropout.Generator = generator;
        var trainable = parameters.Select(p => p.parameter).ToList();
        var clock = Stopwatch.StartNew();
        for (int update = start; update < recipe.MaxUpdates; update++)
        {
            cancellation.ThrowIfCancellationRequested();
            generator.manual_seed((long)(DeterministicRandom.Mix(recipe.Seed, update, 2) >> 1));
            var batch = Batch(texts, recipe, update);
            double loss;
            using (var scope = NewDisposeScope())
            {
                var (lossTensor, _, _) = objective.Loss(batch, new DeterministicRandom(DeterministicRandom.Mix(recipe.Seed, update, 1)), device);
                model.zero_grad();
                lossTensor.backward();
                Trainer.ClipGradients(trainable.Where(p => p.grad is not null).ToList(), recipe.ClipNorm);
                loss = lossTensor.item<float>();
            }
            double lr = GlueRecipe.LinearWarmupDecay(update, recipe.MaxUpdates, recipe.LearningRate, recipe.WarmupFraction);
            decayed.Step(lr);
            plain.Step(lr);
            var step = new TextPreTrainStep(update + 1, loss, lr, clock.Elapsed.TotalSeconds);
            File.AppendAllText(log, new JsonObject { ["update"] = step.Update, ["loss"] = Math.Round(loss, 5), ["lr"] = lr, ["seconds"] = Math.Round(step.Seconds, 2) }.ToJsonString() + "\n");
            progress?.Report(step);
            if (step.Update % recipe.SaveEvery == 0 || step.Update == recipe.MaxUpdates) Save(checkpoint, model, decayed, plain, step.Update);
        }
        objective.Save(ModelFolder(runFolder));
    }

    // The texts of an update: the run's order is a fresh shuffle of all texts each epoch (a function of seed and epoch).
    static List<string> Batch(IReadOnlyList<string> texts, TextPreTrainRecipe recipe, int update)
    {
        var batch = new List<string>(recipe.BatchSize);
        int[]? order = null;
        long orderEpoch = -1;
        for (long position = (long)update * recipe.BatchSize; batch.Count < recipe.BatchSize; position++)
        {
            long epoch = position / texts.Count;
            if (epoch != orderEpoch)
            {
                var random = new DeterministicRandom(DeterministicRandom.Mix(recipe.Seed, epoch, 3));
                order = Enumerable.Range(0, texts.Count).ToArray();
                for (int i = order.Length - 1; i > 0; i--) { int j = random.Next(0, i + 1); (order[i], order[j]) = (order[j], order[i]); }
                orderEpoch = epoch;
            }
            batch.Add(texts[order![position % texts.Count]]);
        }
        return batch;
    }

    static void Save(string file, nn.Module model, Adam decayed, Adam plain, int update)
    {
        using var scope = NewDisposeScope();
        var tensors = new Dictionary<string, Tensor>();
        foreach (var (name, t) in model.state_dict()) tensors["model/" + name] = t.detach().cpu();
        foreach (var (name, t) in decayed.StateDict()) tensors["adam.decayed/" + name] = t;
        foreach (var (name, t) in plain.StateDict()) tensors["adam.plain/" + name] = t;
        AtomicFile.WriteVia(file, tmp => SafetensorsFile.Write(tmp, tensors,
            new Dictionary<string, string> { ["update"] = update.ToString(CultureInfo.InvariantCulture) }));
    }

    static int Restore(string file, nn.Module model, Adam decayed, Adam plain)
    {
        var tensors = SafetensorsFile.Read(file);
        try
        {
            Copy(tensors, model, file, prefix: "model/");
            Dictionary<string, Tensor> Part(string prefix) =>
                tensors.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);
            decayed.LoadStateDict(Part("adam.decayed/"), file);
            plain.LoadStateDict(Part("adam.plain/"), file);
            var update = SafetensorsFile.ReadMetadata(file).GetValueOrDefault("update");
            return int.TryParse(update, NumberStyles.Integer, CultureInfo.InvariantCulture, out var u) ? u
                : throw new TrainingException($"{file}: no update number in its metadata");
        }
        finally { foreach (var t in tensors.Values) t.Dispose(); }
    }

    /// <summary>Every weight of <paramref name="model"/> from the tensors of <paramref name="file"/> by name (a masked-LM
    /// model's tied decoder has no key of its own); a missing or mis-shaped weight is an error naming the file.</summary>
    internal static void Copy(IReadOnlyDictionary<string, Tensor> tensors, nn.Module model, string file, string prefix = "")
    {
        using var _ = no_grad();
        foreach (var (name, target) in model.state_dict())
        {
            var source = tensors.GetValueOrDefault(prefix + name) ?? throw new TrainingException($"{file}: no '{prefix + name}'");
            if (!source.shape.SequenceEqual(target.shape))
                throw new TrainingException($"{file}: '{name}' has shape [{string.Join(", ", source.shape)}], the model [{string.Join(", ", target.shape)}]");
            target.copy_(source);
        }
    }

    /// <summary>Masked-token loss and accuracy (percent) of <paramref name="model"/> on <paramref name="texts"/>, eval mode,
    /// with the masks a fixed seed draws (the same for every model compared).</summary>
    public static (double Loss, double Accuracy) Evaluate(BertForMaskedLM model, BertTextEncoder encoder, IReadOnlyList<string> texts,
        IReadOnlyList<string> vocabulary, Device device, int batchSize = 64, int seed = 7) =>
        Evaluate(new MaskedLanguageModelObjective(model, encoder, vocabulary), texts, device, batchSize, seed);

    /// <summary>The objective's loss and accuracy (percent) at the tokens it predicts in <paramref name="texts"/>, eval
    /// mode, with the draws a fixed seed makes (the same for every model compared).</summary>
    public static (double Loss, double Accuracy) Evaluate(TextPreTrainingObjective objective, IReadOnlyList<string> texts, Device device,
        int batchSize = 64, int seed = 7)
    {
        objective.Model.eval();
        double lossSum = 0;
        long predicted = 0, correct = 0;
        int batchIndex = 0;
        using (no_grad())
            foreach (var chunk in texts.Chunk(batchSize))
            {
                using var scope = NewDisposeScope();
                var (loss, logits, target) = objective.Loss(chunk, new DeterministicRandom(DeterministicRandom.Mix(seed, batchIndex++)), device);
                long chosen = target.shape[0];
                lossSum += loss.item<float>() * chosen;
                correct += logits.argmax(-1).eq(target).sum().item<long>();
                predicted += chosen;
            }
        objective.Model.train();
        return (lossSum / Math.Max(1, predicted), 100.0 * correct / Math.Max(1, predicted));
    }
}
