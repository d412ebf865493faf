using Parp.Models;
using Parp.Pruning;
using static TorchSharp.torch;

namespace Parp.Tests.Pruning;

/// <summary>Small models for pruning tests.</summary>
static class PruningTestModels
{
    /// <summary>A Smoke CTC model without dropout, span masking or layerdrop, so that runs are deterministic.</summary>
    public static Wav2Vec2ForCtc Smoke(int seed = 1)
    {
        manual_seed(seed);
        return new Wav2Vec2ForCtc(Wav2Vec2Presets.Smoke with
        {
            Architectures = ["Wav2Vec2ForCTC"], HiddenDropout = 0, AttentionDropout = 0, ActivationDropout = 0,
            FeatProjDropout = 0, MaskTimeProb = 0, Layerdrop = 0, CtcLossReduction = "sum", CtcZeroInfinity = true,
        });
    }

    /// <summary>Overwrites the pool with normal noise (fresh biases are exact zeros, which would blur sparsity counts).</summary>
    public static void Randomize(PrunablePool pool, int seed)
    {
        var g = new Generator((ulong)seed);
        using var _ = no_grad();
        foreach (var e in pool.Entries) e.Parameter.copy_(randn(e.Shape, generator: g) * 0.05);
    }

    /// <summary>Asserts that every pool weight the mask prunes is exactly zero in the model.</summary>
    public static void AssertZeroWherePruned(nn.Module model, Mask mask)
    {
        foreach (var entry in PrunablePool.Of(model).Entries)
            Assert.Equal(0, (entry.Parameter.abs() * mask[entry.Name].logical_not()).sum().item<float>());
    }
}
