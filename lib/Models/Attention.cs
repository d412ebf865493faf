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

    /// <summary>The model's generator: attention dropout on the CPU draws from it (<see cref="GeneratorDropout"/>).</summary>
    public Generator? Generator { get; set; }

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
    /// x [B, T, D]; keyMask [B, 1, 1, T] bool (true = a real frame) or null. Under <see cref="Autocast"/> the
    /// projections and attention run in its dtype and so does the result.
    /// </summary>
    public override Tensor forward(Tensor x, Tensor? keyMask)
    {
        long b = x.shape[0], t = x.shape[1];
        Tensor Split(Tensor y) => y.view(b, t, heads, headDim).transpose(1, 2);
        var q = Split(Autocast.Linear(q_proj, x));
        var k = Split(Autocast.Linear(k_proj, x));
        var v = Split(Autocast.Linear(v_proj, x));
        // Scale 1/sqrt(head_dim), as HF; SDPA picks a fused kernel on CUDA. Dropout on the attention weights drawn from
        // the model's generator on the CPU needs the weights themselves, so that case is written out.
        var o = training && dropout > 0 && Generator is not null && x.device_type == DeviceType.CPU
            ? WithDropout(q, k, v, keyMask)
            : nn.functional.scaled_dot_product_attention(q, k, v, attn_mask: keyMask, p: training ? dropout : 0.0);
        return Autocast.Linear(out_proj, o.transpose(1, 2).reshape(b, t, heads * headDim));
    }

    Tensor WithDropout(Tensor q, Tensor k, Tensor v, Tensor? keyMask)
    {
        using var scale = (1 / Math.Sqrt(headDim)).ToScalar();
        var scores = q.matmul(k.transpose(-2, -1)).mul(scale);
        if (keyMask is not null)
        {
            using var minusInfinity = double.NegativeInfinity.ToScalar();
            scores = scores.masked_fill(keyMask.logical_not(), minusInfinity);
        }
        return GeneratorDropout.Apply(Autocast.Softmax(scores), dropout, training, Generator).matmul(v);
    }
}

/// <summary>fc1 → activation → dropout → fc2 → dropout (HF Wav2Vec2FeedForward).</summary>
public sealed class FeedForward : nn.Module<Tensor, Tensor>
{
    readonly GeneratorDropout intermediate_dropout;
    readonly Linear intermediate_dense;
    readonly Linear output_dense;
    readonly GeneratorDropout output_dropout;
    readonly string activation;

    public FeedForward(Wav2Vec2Config c) : base(nameof(FeedForward))
    {
        intermediate_dropout = new GeneratorDropout(c.ActivationDropout);
        intermediate_dense = nn.Linear(c.HiddenSize, c.IntermediateSize);
        output_dense = nn.Linear(c.IntermediateSize, c.HiddenSize);
        output_dropout = new GeneratorDropout(c.HiddenDropout);
        activation = c.HiddenAct;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        x = intermediate_dropout.forward(Activations.Apply(activation, Autocast.Linear(intermediate_dense, x)));
        return output_dropout.forward(Autocast.Linear(output_dense, x));
    }
}
