using Parp.Runtime;
using TorchSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace Parp.Models;

/// <summary>What the encoder returns: the last hidden state and, when asked, the input of every layer plus the last layer's output.</summary>
public sealed record EncoderOutput(Tensor LastHiddenState, IReadOnlyList<Tensor>? HiddenStates);

/// <summary>
/// Positional conv + Transformer layers (HF Wav2Vec2Encoder / Wav2Vec2EncoderStableLayerNorm). Post-LN applies
/// <c>layer_norm</c> before the layers; stable layer norm applies it after them. Layerdrop skips whole layers in training.
/// </summary>
public sealed class Encoder : nn.Module
{
    readonly PositionalConvEmbedding pos_conv_embed;
    readonly LayerNorm layer_norm;
    readonly GeneratorDropout dropout;
    readonly ModuleList<EncoderLayer> layers;
    readonly bool preLn;
    readonly double layerdrop;

    public Encoder(Wav2Vec2Config c) : base(nameof(Encoder))
    {
        pos_conv_embed = new PositionalConvEmbedding(c);
        layer_norm = nn.LayerNorm(c.HiddenSize, eps: c.LayerNormEps);
        dropout = new GeneratorDropout(c.HiddenDropout);
        layers = new ModuleList<EncoderLayer>(Enumerable.Range(0, c.NumHiddenLayers).Select(_ => new EncoderLayer(c)).ToArray());
        preLn = c.DoStableLayerNorm;
        layerdrop = c.Layerdrop;
        RegisterComponents();
    }

    public PositionalConvEmbedding PosConvEmbed => pos_conv_embed;
    public IReadOnlyList<EncoderLayer> Layers => layers.ToList();

    /// <summary>Source of layerdrop draws (and, through <see cref="Wav2Vec2Model.Generator"/>, of dropout on the CPU);
    /// null uses the global generator.</summary>
    public Generator? Generator { get; set; }

    /// <summary>hidden [B, T, D]; frameMask [B, T] bool (true = real frame) or null.</summary>
    public EncoderOutput forward(Tensor hidden, Tensor? frameMask, bool outputHiddenStates = false)
    {
        Tensor? keyMask = null;
        if (frameMask is not null)
        {
            // Padded frames are zeroed before the positional conv and never attended to (HF).
            // An explicit Scalar kept alive to the end of the call: an implicit one can be finalised by the GC while
            // LibTorch still reads it ("Expected false to be true" from Scalar::toFloat, seen in a notebook run).
            using var zero = 0.0.ToScalar();
            hidden = hidden.masked_fill(frameMask.logical_not().unsqueeze(-1), zero);
            keyMask = frameMask.unsqueeze(1).unsqueeze(1);
        }
        hidden = hidden.Plus(pos_conv_embed.forward(hidden));
        if (!preLn) hidden = layer_norm.forward(hidden);
        hidden = dropout.forward(hidden);

        var all = outputHiddenStates ? new List<Tensor>() : null;
        foreach (var layer in layers)
        {
            all?.Add(hidden);
            // HF draws rand([]) for every layer and skips when it is below layerdrop, only in training.
            bool skip = training && layerdrop > 0 && rand(1, generator: Generator).item<float>() < layerdrop;
            if (!skip) hidden = layer.forward(hidden, keyMask);
        }
        // transformers 5 records each layer's output, so with stable layer norm the last entry is the last layer's
        // output before the final LayerNorm (it differs from LastHiddenState); transformers 4 recorded it after.
        all?.Add(hidden);
        if (preLn) hidden = layer_norm.forward(hidden);
        return new EncoderOutput(hidden, all);
    }
}
