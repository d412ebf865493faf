using Parp.Models;
using Parp.Training;
using TorchSharp.Modules;
using Adam = TorchSharp.Modules.Adam;
using static TorchSharp.torch;

namespace Parp.Tests.Pruning;

/// <summary>
/// A minimal stand-in for the project's trainer: Adam on a fixed random batch with a CTC loss, calling the
/// <see cref="ITrainingCallback"/> hooks exactly where the trainer contract puts them (after backward and clipping;
/// after the step; at the start and the end).
/// </summary>
sealed class MiniTrainer(Wav2Vec2ForCtc model, int seed = 0, double lr = 1e-2)
{
    readonly Tensor input = randn(2, 4000, generator: new Generator((ulong)seed + 100));
    readonly Tensor labels = randint(1, model.Config.VocabSize, [2, 4], generator: new Generator((ulong)seed + 200));

    public Adam? Optimizer { get; private set; }
    /// <summary>The trainable parameters in the optimizer's order (for reading its state).</summary>
    public List<(string Name, Parameter Parameter)> Trainable { get; private set; } = [];

    /// <summary>Runs <paramref name="updates"/> updates; <paramref name="afterUpdate"/> sees the model after each one.</summary>
    public void Run(int updates, IReadOnlyList<ITrainingCallback> callbacks, Action<int>? afterUpdate = null)
    {
        model.train();
        model.FreezeFeatureEncoder();
        Trainable = model.named_parameters().Where(p => p.parameter.requires_grad).ToList();
        Optimizer = optim.Adam(Trainable.Select(p => p.Parameter), lr, beta1: 0.9, beta2: 0.98, eps: 1e-8);
        using (no_grad()) foreach (var c in callbacks) c.OnTrainingStart(new TrainingState(model, 0, updates));
        for (int t = 1; t <= updates; t++)
        {
            using var scope = NewDisposeScope();
            Optimizer.zero_grad();
            var loss = model.forward(input, labels: labels).Loss! / input.shape[0];
            loss.backward();
            using (no_grad()) foreach (var c in callbacks) c.BeforeGradientClip(new TrainingState(model, t - 1, updates));
            nn.utils.clip_grad_norm_(Trainable.Select(p => p.Parameter), 25);
            using (no_grad()) foreach (var c in callbacks) c.BeforeOptimizerStep(new TrainingState(model, t - 1, updates));
            Optimizer.step();
            using (no_grad()) foreach (var c in callbacks) c.AfterOptimizerStep(new TrainingState(model, t, updates));
            afterUpdate?.Invoke(t);
        }
        using (no_grad()) foreach (var c in callbacks) c.OnTrainingEnd(new TrainingState(model, updates, updates));
    }

    /// <summary>Adam's first moment of a parameter.</summary>
    public Tensor FirstMoment(string name)
    {
        int i = Trainable.FindIndex(p => p.Name == name);
        var state = (Adam.State)Optimizer!.state_dict().State[i];
        return state.exp_avg;
    }
}
