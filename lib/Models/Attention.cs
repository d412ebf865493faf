using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Parp.Models;

/// <summary>Multi-head self-attention with separate q/k/v/out projections (HF Wav2Vec2Attention).</summary>
public sealed class Attention : nn.Module<Tensor, Tensor?, Tensor>
{
    readonly Linear q_proj, k_proj, v_proj, out_proj;
    readonly long heads, headDim;
    readonly double dropout;

    public Attention(Wav2Vec2Config c) : base(nameof(Attention))
    {
        long d = c.HiddenSize;
        k_proj = nn.Linear(d, d);
        v_proj = nn.Linear(d, d);
        q_proj = nn.Linear(d, d);
        out_proj = nn.Linear(d, d);
        heads = c.NumAttentionHeads;
        headDim = d / heads;
        dropout = c.AttentionDropout;
        RegisterComponents();
    }

    /// <summary>
    /// x [B, T, D]; keyMask [B, 1, 1, T] bool (true = a real frame) or null. Called as modules (never by reading
    /// their weights directly) so that anything wrapping the Linears sees every use (docs/paper.md §11.1).
    /// </summary>
    public override Tensor forward(Tensor x, Tensor? keyMask)
    {
        long b = x.shape[0], t = x.shape[1];
        Tensor Split(Tensor y) => y.view(b, t, heads, headDim).transpose(1, 2);
        var q = Split(q_proj.forward(x));
        var k = Split(k_proj.forward(x));
        var v = Split(v_proj.forward(x));
        // Scale 1/sqrt(head_dim), as HF; SDPA picks a fused kernel on CUDA.
        var o = nn.functional.scaled_dot_product_attention(q, k, v, attn_mask: keyMask, p: training ? dropout : 0.0);
        return out_proj.forward(o.transpose(1, 2).reshape(b, t, heads * headDim));
    }
}

/// <summary>fc1 → activation → dropout → fc2 → dropout (HF Wav2Vec2FeedForward).</summary>
public sealed class FeedForward : nn.Module<Tensor, Tensor>
{
    readonly Dropout intermediate_dropout;
    readonly Linear intermediate_dense;
    readonly Linear output_dense;
    readonly Dropout output_dropout;
    readonly string activation;

    public FeedForward(Wav2Vec2Config c) : base(nameof(FeedForward))
    {
        intermediate_dropout = nn.Dropout(c.ActivationDropout);
        intermediate_dense = nn.Linear(c.HiddenSize, c.IntermediateSize);
        output_dense = nn.Linear(c.IntermediateSize, c.HiddenSize);
        output_dropout = nn.Dropout(c.HiddenDropout);
        activation = c.HiddenAct;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        x = intermediate_dropout.forward(Activations.Apply(activation, intermediate_dense.forward(x)));
        return output_dropout.forward(output_dense.forward(x));
    }
}
