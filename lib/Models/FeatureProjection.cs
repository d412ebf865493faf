using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Parp.Models;

/// <summary>LayerNorm over CNN channels, then Linear to the model width, then dropout (HF Wav2Vec2FeatureProjection).</summary>
public sealed class FeatureProjection : nn.Module<Tensor, (Tensor hidden, Tensor normed)>
{
    readonly LayerNorm layer_norm;
    readonly Linear projection;
    readonly GeneratorDropout dropout;

    public FeatureProjection(Wav2Vec2Config c) : base(nameof(FeatureProjection))
    {
        layer_norm = nn.LayerNorm(c.ConvDim[^1], eps: c.LayerNormEps);
        projection = nn.Linear(c.ConvDim[^1], c.HiddenSize);
        dropout = new GeneratorDropout(c.FeatProjDropout);
        RegisterComponents();
    }

    /// <summary>features [B, T, C] → (hidden [B, T, D], the layer-normed features that also feed the quantizer).</summary>
    public override (Tensor hidden, Tensor normed) forward(Tensor features)
    {
        var normed = layer_norm.forward(features);
        return (dropout.forward(Autocast.Float32(Autocast.Linear(projection, normed))), normed);
    }
}
