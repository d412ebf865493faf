using Parp.Runtime;
using TorchSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace Parp.Models;

/// <summary>
/// Weight norm over dim 2 as PyTorch's parametrization stores it: weight = g · v / ‖v‖, the norm taken over
/// dims 0 and 1 for each kernel position. Names follow <c>parametrizations.weight.original0</c> (g, [1, 1, K])
/// and <c>original1</c> (v, [out, in/groups, K]).
/// </summary>
public sealed class WeightNormOverDim2 : nn.Module
{
    internal readonly Parameter original0;
    internal readonly Parameter original1;

    public WeightNormOverDim2(long outChannels, long inPerGroup, long kernel) : base(nameof(WeightNormOverDim2))
    {
        original0 = new Parameter(ones(1, 1, kernel));
        original1 = new Parameter(zeros(outChannels, inPerGroup, kernel));
        RegisterComponents();
    }

    public Tensor Weight() => original1 * (original0 / original1.Power(2).sum([0, 1], keepdim: true).sqrt());
}

/// <summary>Holds the parametrized tensors under the name PyTorch gives them (<c>parametrizations.weight</c>).</summary>
public sealed class WeightParametrizations : nn.Module
{
    internal readonly WeightNormOverDim2 weight;

    public WeightParametrizations(WeightNormOverDim2 w) : base(nameof(WeightParametrizations))
    {
        weight = w;
        RegisterComponents();
    }
}

/// <summary>Grouped Conv1d whose weight is weight-normed over dim 2 (the positional conv of wav2vec2).</summary>
public sealed class WeightNormConv1d : nn.Module<Tensor, Tensor>
{
    readonly Parameter bias;
    readonly WeightParametrizations parametrizations;
    readonly long padding, groups;

    public WeightNormConv1d(long channels, long kernel, long groups) : base(nameof(WeightNormConv1d))
    {
        bias = new Parameter(zeros(channels));
        parametrizations = new WeightParametrizations(new WeightNormOverDim2(channels, channels / groups, kernel));
        padding = kernel / 2;
        this.groups = groups;
        RegisterComponents();
    }

    /// <summary>g [1, 1, K].</summary>
    public Parameter G => parametrizations.weight.original0;
    /// <summary>v [out, in/groups, K].</summary>
    public Parameter V => parametrizations.weight.original1;

    public Tensor Weight() => parametrizations.weight.Weight();

    public override Tensor forward(Tensor x) =>
        Autocast.Conv1d(x, Weight(), bias, padding, groups);
}

/// <summary>Convolutional relative position embedding, added to the encoder input (HF Wav2Vec2PositionalConvEmbedding).</summary>
public sealed class PositionalConvEmbedding : nn.Module<Tensor, Tensor>
{
    readonly WeightNormConv1d conv;
    readonly bool trimLast;
    readonly string activation;

    public PositionalConvEmbedding(Wav2Vec2Config c) : base(nameof(PositionalConvEmbedding))
    {
        conv = new WeightNormConv1d(c.HiddenSize, c.NumConvPosEmbeddings, c.NumConvPosEmbeddingGroups);
        // An even kernel with padding K/2 yields T + 1 frames; the last is dropped ("same" padding, HF SamePadLayer).
        trimLast = c.NumConvPosEmbeddings % 2 == 0;
        activation = c.FeatExtractActivation;
        RegisterComponents();
    }

    public WeightNormConv1d Conv => conv;

    /// <summary>hidden [B, T, D] → position embedding [B, T, D].</summary>
    public override Tensor forward(Tensor hidden)
    {
        var x = conv.forward(hidden.transpose(1, 2));
        if (trimLast) x = x[.., .., ..^1];
        return Activations.Apply(activation, x).transpose(1, 2);
    }
}
