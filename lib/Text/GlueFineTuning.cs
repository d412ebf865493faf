using Parp.Runtime;
using Parp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Parp.Text;

/// <summary>
/// The GLUE fine-tuning recipe (E16, inferred in docs/paper.md §9 from BERT-Ticket and transformers' run_glue): Adam
/// with decoupled weight decay on every weight but biases and LayerNorms, linear warm-up then linear decay to 0,
/// batches of <see cref="BatchSize"/> examples drawn in a fresh shuffled order each epoch, gradients clipped to norm
/// <see cref="ClipNorm"/>.
/// </summary>
public sealed record GlueRecipe
{
    public int MaxUpdates { get; init; } = 1000;
    public int BatchSize { get; init; } = 32;
    public double LearningRate { get; init; } = 3e-5;
    public double WeightDecay { get; init; } = 0.01;
    public double WarmupFraction { get; init; } = 0.1;
    public double ClipNorm { get; init; } = 1.0;
    public int Seed { get; init; } = 2337;

    /// <summary>The learning rate of update <paramref name="update"/> (0-based): linear from 0 to the peak over the
    /// warm-up, then linear to 0 at <see cref="MaxUpdates"/>, as transformers' linear schedule.</summary>
    public double LearningRateAt(int update) => LinearWarmupDecay(update, MaxUpdates, LearningRate, WarmupFraction);

    /// <summary>transformers' linear schedule at <paramref name="update"/> (0-based) of <paramref name="maxUpdates"/>.</summary>
    public static double LinearWarmupDecay(int update, int maxUpdates, double peak, double warmupFraction)
    {
        int warmup = (int)Math.Round(warmupFraction * maxUpdates);
        double step = update + 1;
        return step <= warmup ? peak * step / warmup : peak * Math.Max(0, (maxUpdates - step) / Math.Max(1, maxUpdates - warmup));
    }

    /// <summary>Whether a parameter takes weight decay, as transformers' Trainer decides: not when its name holds "bias"
    /// (BERT's biases; XLNet's r_w, r_r and r_s biases too) or it belongs to a LayerNorm (BERT's <c>LayerNorm.</c>,
    /// XLNet's <c>layer_norm.</c>).</summary>
    public static bool Decays(string name) => !name.Contains("bias", StringComparison.Ordinal)
        && !name.Contains("LayerNorm.", StringComparison.Ordinal) && !name.Contains("layer_norm.", StringComparison.Ordinal);

    /// <summary>The GLUE optimizer as two Adams: decoupled weight decay on every parameter <see cref="Decays"/> names, and
    /// none on the rest (transformers' no_decay groups).</summary>
    public static (Adam Decayed, Adam Plain) Optimizers(IReadOnlyList<(string name, TorchSharp.Modules.Parameter parameter)> parameters, double weightDecay)
    {
        return (new Adam(parameters.Where(p => Decays(p.name)), beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: weightDecay),
                new Adam(parameters.Where(p => !Decays(p.name)), beta1: 0.9, beta2: 0.999, eps: 1e-8));
    }
}

/// <summary>Fine-tunes a sequence classifier (BERT's, XLNet's) on a GLUE task's examples and scores it with the task's metrics.</summary>
public static class GlueFineTuning
{
    /// <summary>Trains <paramref name="model"/> (on <paramref name="device"/>) for the recipe's updates; returns each
    /// update's loss. Dropout draws from the recipe's seed; the same call gives the same model. The
    /// <paramref name="callbacks"/> (a fixed mask, PARP) are called where the speech trainer calls them: at the start,
    /// before the clip, around each step, at the end, under no_grad.</summary>
    public static List<double> Train(TextClassifier model, ITextEncoder encoder, GlueTask task,
        IReadOnlyList<GlueExample> examples, GlueRecipe recipe, Device device, CancellationToken cancellation = default,
        IReadOnlyList<ITrainingCallback>? callbacks = null)
    {
        callbacks ??= [];
        if (examples.Count == 0) throw new ArgumentException($"{task.Name}: no training examples");
        if (model.NumLabels != task.NumLabels)
            throw new ArgumentException($"{task.Name} has {task.NumLabels} output(s), the model's classifier {model.NumLabels}");
        model.to(device);
        model.train();
        var generator = new Generator((ulong)recipe.Seed);
        foreach (var dropout in model.Dropouts()) dropout.Generator = generator;
        var parameters = model.named_parameters().ToList();
        var (decayed, plain) = GlueRecipe.Optimizers(parameters, recipe.WeightDecay);
        var trainable = parameters.Select(p => p.parameter).ToList();
        var shuffle = new Random(recipe.Seed);
        var order = new Queue<int>();
        var losses = new List<double>();
        void Call(Action<ITrainingCallback> hook) { using (no_grad()) foreach (var c in callbacks) hook(c); }
        Call(c => c.OnTrainingStart(new TrainingState(model, 0, recipe.MaxUpdates)));
        for (int update = 0; update < recipe.MaxUpdates; update++)
        {
            cancellation.ThrowIfCancellationRequested();
            if (order.Count < recipe.BatchSize)
                foreach (var i in Enumerable.Range(0, examples.Count).OrderBy(_ => shuffle.Next())) order.Enqueue(i);
            var batch = Enumerable.Range(0, Math.Min(recipe.BatchSize, order.Count)).Select(_ => examples[order.Dequeue()]).ToList();
            var before = new TrainingState(model, update, recipe.MaxUpdates);
            using (var scope = NewDisposeScope())
            {
                var (ids, mask, types) = encoder.Batch(batch.Select(e => (e.TextA, e.TextB)).ToList());
                var labels = Labels(task, batch).to(device);
                var loss = model.Loss(model.forward(ids.to(device), mask.to(device), types.to(device)), labels);
                model.zero_grad();
                loss.backward();
                Call(c => c.BeforeGradientClip(before));
                Trainer.ClipGradients(trainable.Where(p => p.grad is not null).ToList(), recipe.ClipNorm);
                losses.Add(loss.item<float>());
            }
            // The callbacks and the step run outside the update's scope: what a callback keeps (PARP's new mask) lives on.
            Call(c => c.BeforeOptimizerStep(before));
            double lr = recipe.LearningRateAt(update);
            decayed.Step(lr);
            plain.Step(lr);
            Call(c => c.AfterOptimizerStep(new TrainingState(model, update + 1, recipe.MaxUpdates)));
        }
        Call(c => c.OnTrainingEnd(new TrainingState(model, recipe.MaxUpdates, recipe.MaxUpdates)));
        return losses;
    }

    /// <summary>The task's metrics (percent) of <paramref name="model"/> on <paramref name="examples"/>, in eval mode.</summary>
    public static Dictionary<string, double> Evaluate(TextClassifier model, ITextEncoder encoder, GlueTask task,
        IReadOnlyList<GlueExample> examples, Device device, int batchSize = 64)
    {
        model.to(device);
        model.eval();
        var predictions = new List<double>();
        using (no_grad())
            foreach (var batch in examples.Chunk(batchSize))
            {
                using var scope = NewDisposeScope();
                var (ids, mask, types) = encoder.Batch(batch.Select(e => (e.TextA, e.TextB)).ToList());
                var logits = model.forward(ids.to(device), mask.to(device), types.to(device)).cpu();
                predictions.AddRange(task.IsRegression
                    ? logits.squeeze(-1).data<float>().Select(v => (double)v)
                    : logits.argmax(-1).data<long>().Select(v => (double)v));
            }
        return task.Score(predictions, examples.Select(e => e.Label).ToList());
    }

    static Tensor Labels(GlueTask task, IReadOnlyList<GlueExample> batch) => task.IsRegression
        ? tensor(batch.Select(e => (float)e.Label).ToArray())
        : tensor(batch.Select(e => (long)e.Label).ToArray());
}
