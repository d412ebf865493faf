using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Parp.Models;

/// <summary>One conv block: conv → [GroupNorm | channel LayerNorm | nothing] → activation (HF Wav2Vec2*ConvLayer).</summary>
public sealed class ConvBlock : nn.Module<Tensor, Tensor>
{
    enum Norm { None, Group, Layer }

    readonly Conv1d conv;
    readonly nn.Module<Tensor, Tensor>? layer_norm;
    readonly Norm norm;
    readonly string activation;

    public ConvBlock(Wav2Vec2Config c, int index) : base(nameof(ConvBlock))
    {
        long inDim = index == 0 ? 1 : c.ConvDim[index - 1], outDim = c.ConvDim[index];
        conv = nn.Conv1d(inDim, outDim, c.ConvKernel[index], stride: c.ConvStride[index], bias: c.ConvBias);
        // HF: "group" puts one GroupNorm(out groups) on block 0 only; "layer" a LayerNorm over channels on every block.
        // Both use PyTorch's default eps 1e-5, not config.layer_norm_eps.
        (norm, layer_norm) = c.FeatExtractNorm switch
        {
            "group" when index == 0 => (Norm.Group, (nn.Module<Tensor, Tensor>)nn.GroupNorm(outDim, outDim, eps: 1e-5, affine: true)),
            "layer" => (Norm.Layer, nn.LayerNorm(outDim, eps: 1e-5)),
            _ => (Norm.None, null),
        };
        activation = c.FeatExtractActivation;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        x = conv.forward(x);
        x = norm switch
        {
            Norm.Group => layer_norm!.forward(x),
            Norm.Layer => layer_norm!.forward(x.transpose(-2, -1)).transpose(-2, -1),
            _ => x,
        };
        return Activations.Apply(activation, x);
    }
}

/// <summary>The CNN over the raw waveform: [B, samples] → [B, C, frames] (HF Wav2Vec2FeatureEncoder).</summary>
public sealed class FeatureEncoder : nn.Module<Tensor, Tensor>
{
    readonly ModuleList<ConvBlock> conv_layers;

    public FeatureEncoder(Wav2Vec2Config c) : base(nameof(FeatureEncoder))
    {
        conv_layers = new ModuleList<ConvBlock>(Enumerable.Range(0, c.NumFeatExtractLayers).Select(i => new ConvBlock(c, i)).ToArray());
        RegisterComponents();
    }

    /// <summary>Freezing matches fairseq's feature_grad_mult 0: no gradient reaches or leaves the CNN.</summary>
    public bool Frozen { get; private set; }

    public void Freeze()
    {
        foreach (var p in parameters()) p.requires_grad = false;
        Frozen = true;
    }

    public override Tensor forward(Tensor inputValues)
    {
        var x = inputValues.unsqueeze(1);
        foreach (var block in conv_layers) x = block.forward(x);
        return x;
    }
}
