using Parp.Runtime;
using TorchSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace Parp.Models;

/// <summary>
/// One Transformer block. Post-LN (BASE): x ← LN(x + Drop(Attn x)); x ← LN(x + FFN x).
/// Pre-LN / stable layer norm (LV-60, XLSR): x ← x + Drop(Attn(LN x)); x ← x + FFN(LN x).
/// (HF Wav2Vec2EncoderLayer and Wav2Vec2EncoderLayerStableLayerNorm; the FFN ends in its own dropout.)
/// </summary>
public sealed class EncoderLayer : nn.Module<Tensor, Tensor?, Tensor>
{
    readonly Attention attention;
    readonly GeneratorDropout dropout;
    readonly LayerNorm layer_norm;
    readonly FeedForward feed_forward;
    readonly LayerNorm final_layer_norm;
    readonly bool preLn;

    public EncoderLayer(Wav2Vec2Config c) : base(nameof(EncoderLayer))
    {
        attention = new Attention(c);
        dropout = new GeneratorDropout(c.HiddenDropout);
        layer_norm = nn.LayerNorm(c.HiddenSize, eps: c.LayerNormEps);
        feed_forward = new FeedForward(c);
        final_layer_norm = nn.LayerNorm(c.HiddenSize, eps: c.LayerNormEps);
        preLn = c.DoStableLayerNorm;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor? keyMask)
    {
        if (preLn)
        {
            x = x.Plus(dropout.forward(attention.forward(layer_norm.forward(x), keyMask)));
            return x.Plus(feed_forward.forward(final_layer_norm.forward(x)));
        }
        x = layer_norm.forward(x.Plus(dropout.forward(attention.forward(x, keyMask))));
        return final_layer_norm.forward(x.Plus(feed_forward.forward(x)));
    }
}
