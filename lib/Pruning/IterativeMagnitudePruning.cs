using System.Globalization;
using static TorchSharp.torch;

namespace Parp.Pruning;

/// <summary>
/// Fine-tunes <paramref name="model"/> in place for <paramref name="updates"/> updates with <paramref name="fixedMask"/>
/// held fixed (null = dense), e.g. by running the trainer with a <see cref="FixedMaskCallback"/>. The model arrives
/// rewound; the delegate owns its optimizer and schedule, so each call starts them fresh (docs/paper.md §3.4).
/// </summary>
public delegate void FineTune(nn.Module model, Mask? fixedMask, int updates);

/// <summary>IMP options: K rounds of <paramref name="UpdatesPerRound"/> updates (2,000 in the code); each round's mask is
/// saved as <c>imp-round-{k}.safetensors</c> under <paramref name="MaskFolder"/> when one is given.</summary>
public sealed record ImpOptions(int Rounds, int UpdatesPerRound, string? MaskFolder = null, PoolSpec? Pool = null);

/// <summary>One IMP round's outcome: the mask m_k at about 10·k % (owned by the caller) and where it was saved.</summary>
public sealed record ImpRound(int Round, double MeasuredSparsity, Mask Mask, string? SavedTo);

/// <summary>
/// IMP with rewinding (docs/paper.md §3.4): from an all-kept mask, each round rewinds the model to θ_rw, fine-tunes it with
/// the current mask fixed, then prunes round(R / (10 − (k − 1))) more of the R survivors by global |θ| (PyTorch's
/// repeated-pruning semantics), which adds 10 % of the original pool per round. The final fixed-mask fine-tune of each
/// m_k (from θ0) is a separate run: <see cref="FixedMaskCallback"/>.
/// </summary>
public static class IterativeMagnitudePruning
{
    public static List<ImpRound> Run(nn.Module model, IReadOnlyDictionary<string, Tensor> rewindTo, FineTune fineTune,
                                     ImpOptions options, CostLedger? ledger = null)
    {
        if (options.Rounds is < 1 or > 10) throw new ArgumentOutOfRangeException(nameof(options), options.Rounds, "IMP runs 1 to 10 rounds (+10 % of the pool each)");
        if (options.UpdatesPerRound < 0) throw new ArgumentOutOfRangeException(nameof(options), options.UpdatesPerRound, "updates per round must be >= 0");
        var pool = PrunablePool.Of(model, options.Pool);
        var rounds = new List<ImpRound>();
        var mask = Mask.AllKept(pool, new MaskInfo("imp", 0, "θ_rw", 0, pool.Spec.Name));
        try
        {
            for (int k = 1; k <= options.Rounds; k++)
            {
                ModelState.Restore(model, rewindTo);
                var roundMask = mask;
                void Round() => fineTune(model, k == 1 ? null : roundMask, options.UpdatesPerRound);
                double reached = Math.Min(1, k / 10.0);
                if (ledger is null) Round();
                else ledger.Measure("imp", $"round {k}", reached, 1, options.UpdatesPerRound, Round);

                var info = new MaskInfo("imp", reached, "θ_rw fine-tuned with m_" + (k - 1), k, pool.Spec.Name);
                var next = GlobalMagnitudePruning.PruneFractionOfSurvivors(pool, mask, 1.0 / (10 - (k - 1)), info);
                mask.Dispose();               // the caller gets copies; this chain's own mask moves on
                mask = next;
                string? path = null;
                if (options.MaskFolder is not null)
                {
                    path = Path.Combine(options.MaskFolder, string.Create(CultureInfo.InvariantCulture, $"imp-round-{k}.safetensors"));
                    mask.Save(path);
                }
                rounds.Add(new ImpRound(k, mask.Sparsity(), mask.WithInfo(mask.Info), path));
            }
        }
        finally { mask.Dispose(); }
        return rounds;
    }
}
