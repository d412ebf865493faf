using Parp.Runtime;
using TorchSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace Parp.Models;

/// <summary>
/// Product quantizer with G groups of V codevectors (HF Wav2Vec2GumbelVectorQuantizer). Training: hard Gumbel-softmax
/// with straight-through gradients at <see cref="Temperature"/>, perplexity from the noise-free softmax. Eval: argmax,
/// perplexity from the one-hot choices. Perplexity averages over the masked frames when a mask is given.
/// </summary>
public sealed class GumbelVectorQuantizer : nn.Module
{
    readonly Parameter codevectors;
    readonly Linear weight_proj;
    readonly int groups, vars;

    public GumbelVectorQuantizer(Wav2Vec2Config c) : base(nameof(GumbelVectorQuantizer))
    {
        groups = c.NumCodevectorGroups;
        vars = c.NumCodevectorsPerGroup;
        codevectors = new Parameter(empty(1, groups * vars, c.CodevectorDim / groups).uniform_(0, 1));
        weight_proj = nn.Linear(c.ConvDim[^1], groups * vars);
        RegisterComponents();
    }

    /// <summary>Gumbel-softmax temperature (HF starts at 2; pre-training anneals it).</summary>
    public double Temperature { get; set; } = 2.0;

    /// <summary>Source of the Gumbel noise; null uses the global generator.</summary>
    public Generator? Generator { get; set; }

    public Parameter Codevectors => codevectors;
    public Linear WeightProj => weight_proj;

    /// <summary>features [B, T, C] → (quantized [B, T, codevector_dim], perplexity scalar).</summary>
    public (Tensor quantized, Tensor perplexity) forward(Tensor features, Tensor? maskTimeIndices = null)
    {
        long b = features.shape[0], t = features.shape[1];
        var logits = weight_proj.forward(features).view(b * t * groups, -1);
        Tensor probs, perplexity;
        if (training)
        {
            probs = HardGumbelSoftmax(logits.to_type(ScalarType.Float32)).type_as(logits);
            var soft = softmax(logits.view(b * t, groups, -1).to_type(ScalarType.Float32), -1);
            perplexity = Perplexity(soft, maskTimeIndices);
        }
        else
        {
            probs = nn.functional.one_hot(logits.argmax(-1), vars).to_type(logits.dtype);
            perplexity = Perplexity(probs.view(b * t, groups, -1), maskTimeIndices);
        }
        // Each frame picks one codevector per group; the picks are concatenated.
        var perGroup = probs.view(b * t, -1).unsqueeze(-1) * codevectors;
        var quantized = perGroup.view(b * t, groups, vars, -1).sum(-2).view(b, t, -1);
        return (quantized, perplexity);
    }

    // One-hot of argmax(logits + Gumbel noise) in the forward pass, gradient of the soft sample in the backward pass.
    Tensor HardGumbelSoftmax(Tensor logits)
    {
        // A given generator lives on the CPU; without one, draw where the logits are.
        var u = Generator is null
            ? rand(logits.shape, dtype: logits.dtype, device: logits.device)
            : rand(logits.shape, dtype: logits.dtype, generator: Generator).to(logits.device);
        using var tiny = 1e-10.ToScalar();
        var gumbels = -(-u.clamp_min(tiny).log()).log();
        var soft = softmax(logits.Plus(gumbels).DividedBy(Temperature), -1);
        var hard = nn.functional.one_hot(soft.argmax(-1), vars).to_type(soft.dtype);
        return (hard - soft.detach()).Plus(soft);
    }

    // exp of the entropy of the average code distribution, summed over groups (HF _compute_perplexity).
    static Tensor Perplexity(Tensor probs, Tensor? mask)
    {
        Tensor marginal;
        if (mask is not null)
        {
            var m = mask.flatten().to_type(ScalarType.Bool).view(-1, 1, 1);
            // sum(dim: 0), not sum(0): a literal 0 binds to the ScalarType overload (Byte) in TorchSharp.
            marginal = where(m, probs, zeros_like(probs)).sum(dim: 0) / mask.to_type(ScalarType.Bool).sum();
        }
        else marginal = probs.mean([0]);
        return exp(-(marginal * marginal.Plus(1e-7).log()).sum(-1)).sum();
    }
}
