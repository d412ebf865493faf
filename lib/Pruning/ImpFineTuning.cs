using System.Globalization;
using Parp.Models;
using Parp.Training;
using static TorchSharp.torch;

namespace Parp.Pruning;

/// <summary>An IMP run through the real trainer: the rounds' masks (owned by the caller) and each round's measured cost.</summary>
public sealed record ImpTrainingRun(List<ImpRound> Rounds, IReadOnlyList<RunCost> RoundCosts) : IDisposable
{
    public void Dispose() { foreach (var r in Rounds) r.Mask.Dispose(); }
}

/// <summary>
/// IMP with rewinding (docs/paper.md §3.4) whose fine-tunes are <see cref="FineTuning.Run"/>s: round k trains in
/// <c>ROOT/imp-round-{k}</c> from the model source, with the round's mask held by a <see cref="FixedMaskCallback"/>
/// (round 1 is dense), for <see cref="ImpOptions.UpdatesPerRound"/> updates. The source is the rewind point θ_rw, which
/// docs/paper.md §3.4 takes from the dense fine-tuning run (pass its HF folder, e.g. its <c>model/</c>); every round starts from the
/// same weights because <see cref="FineTuning.CreateModel"/> loads them (or, for a random preset, is seeded by the
/// recipe), and a fresh optimizer, schedule and update count. Use the <c>imp-round</c> preset's recipe. Each round
/// folder is resumable, and a finished one is not retrained: calling again with the same root continues where a
/// stopped run left off. The final fixed-mask fine-tune of each m_k from θ0 is a separate run (the OMP recipe).
/// </summary>
public static class ImpFineTuning
{
    public static string RoundFolder(string root, int round) => Path.Combine(root, string.Create(CultureInfo.InvariantCulture, $"imp-round-{round}"));

    /// <summary>
    /// The <see cref="FineTune"/> delegate over the real trainer. Each call is the next round: it trains a fresh model
    /// from <paramref name="source"/> and copies the trained weights into the model IMP prunes. Each round's cost
    /// (the trainer's updates and wall time) goes to <paramref name="ledger"/> as serving [k/10, 1] (docs/paper.md §10).
    /// The model IMP passes in is only where the trained weights land: training starts from <paramref name="source"/>,
    /// so IMP's rewind snapshot must be that source's weights (as in <see cref="Run"/>), not some other snapshot.
    /// </summary>
    public static FineTune Delegate(string root, ModelSource source, FineTuneRecipe recipe, LabelledData train, Device device,
        CostLedger? ledger = null, LoopOptions? loop = null)
    {
        int round = 0;
        return (model, mask, updates) =>
        {
            round++;
            // The callback owns and disposes its mask; IMP keeps its own, so the callback gets a copy.
            using var callback = mask is null ? null : new FixedMaskCallback(mask.WithInfo(mask.Info));
            var (trained, result) = FineTuning.Run(RoundFolder(root, round), source, recipe with { MaxUpdates = updates },
                train, device, callback is null ? [] : [callback], loop: loop);
            using (trained)
            {
                if (!result.Completed) throw new PruningException($"IMP round {round} stopped at update {result.Updates} of {updates}");
                var weights = ModelState.Snapshot(trained);
                try { ModelState.Restore(model, weights); }
                finally { ModelState.Dispose(weights); }
            }
            ledger?.Record("imp", $"round {round}", Math.Min(1, round / 10.0), 1, result);
        };
    }

    /// <summary>
    /// Runs <paramref name="options"/>.Rounds IMP rounds under <paramref name="root"/>; the masks are saved in
    /// <c>ROOT/masks</c> unless <see cref="ImpOptions.MaskFolder"/> says otherwise. θ_rw is the recipe's model from
    /// <paramref name="source"/>, sized for <paramref name="train"/>'s vocabulary.
    /// </summary>
    public static ImpTrainingRun Run(string root, ModelSource source, FineTuneRecipe recipe, LabelledData train, Device device,
        ImpOptions options, CostLedger? ledger = null, LoopOptions? loop = null)
    {
        ledger ??= new CostLedger();
        int before = ledger.Runs.Count;
        options = options with { MaskFolder = options.MaskFolder ?? Path.Combine(root, "masks") };
        using var model = FineTuning.CreateModel(source, recipe, train.Vocabulary.Count, device);
        var rewind = ModelState.Snapshot(model);
        try
        {
            // No ledger here: the delegate records the trainer's own time, not the model loading around it.
            var rounds = IterativeMagnitudePruning.Run(model, rewind, Delegate(root, source, recipe, train, device, ledger, loop), options);
            return new ImpTrainingRun(rounds, ledger.Runs.Skip(before).ToList());
        }
        finally { ModelState.Dispose(rewind); }
    }
}
