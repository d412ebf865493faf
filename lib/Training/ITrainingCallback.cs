using TorchSharp;
using static TorchSharp.torch;

namespace Parp.Training;

/// <summary>Where a training run is, as callbacks see it. One update = one optimizer step after gradient accumulation.</summary>
/// <param name="Model">The model being trained.</param>
/// <param name="Update">Updates done so far (0 before the first; after a step, the number of that step).</param>
/// <param name="TotalUpdates">The planned number of updates of the run.</param>
public sealed record TrainingState(nn.Module Model, int Update, int TotalUpdates);

/// <summary>
/// Hooks into the trainer's update loop: the way pruning methods act on training without the trainer knowing them
/// (fixed masks zero gradients before the clip and weights after every step; PARP re-prunes every n updates and at the end).
/// All methods run inside the trainer's no-grad context where they touch parameters, and in update order.
/// </summary>
public interface ITrainingCallback
{
    /// <summary>Once, before the first update of a fresh run (not again when a run resumes).</summary>
    void OnTrainingStart(TrainingState state) { }

    /// <summary>After backward and the gradients' normalisation, before the gradient-norm clip: where a fixed mask zeroes
    /// the pruned entries' gradients, so that the clip's norm counts only gradients the step will apply. It runs inside
    /// the update's dispose scope: keep nothing made here.</summary>
    void BeforeGradientClip(TrainingState state) { }

    /// <summary>After gradient clipping, before optimizer.step().</summary>
    void BeforeOptimizerStep(TrainingState state) { }

    /// <summary>After optimizer.step(); <see cref="TrainingState.Update"/> is the step just taken.</summary>
    void AfterOptimizerStep(TrainingState state) { }

    /// <summary>Once, after the last update, before the final evaluation and the final save.</summary>
    void OnTrainingEnd(TrainingState state) { }

    /// <summary>Tensors to keep in a checkpoint so that a resumed run continues exactly (a mask, say); keys are stable names.</summary>
    IReadOnlyDictionary<string, Tensor> StateToSave() => new Dictionary<string, Tensor>();

    /// <summary>Restores what <see cref="StateToSave"/> returned, when a run resumes from a checkpoint.</summary>
    void RestoreState(IReadOnlyDictionary<string, Tensor> state) { }
}
