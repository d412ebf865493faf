using Parp.Models;
using Parp.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Parp.Text;

// XLNet as transformers' modeling_xlnet computes it: bidirectional relative attention with segment encodings,
// post-LayerNorm blocks, no memory. Fine-tuning runs the content stream alone; permutation pre-training adds the query
// stream (two-stream attention) under a permutation mask, at every position (transformers' identity target mapping).
// Module and parameter names are the checkpoints' own (transformer.layer.0.rel_attn.q, of shape [d_model, n_head, d_head]).
// transformers keeps [T, B] order inside; this code keeps [B, T], which changes no value: every product is the same one.

/// <summary>The attention inputs a forward pass shares across layers (HF XLNetModel.forward builds them once): which
/// query–key pairs the content stream may not attend (<paramref name="Masked"/>) and which the query stream may not
/// (<paramref name="MaskedQuery"/>, only when it runs).</summary>
public sealed record XLNetAttentionInputs(Tensor Positions, Tensor? SameSegment, Tensor? Masked, Tensor? MaskedQuery = null) : IDisposable
{
    public void Dispose() { Positions.Dispose(); SameSegment?.Dispose(); Masked?.Dispose(); MaskedQuery?.Dispose(); }
}

/// <summary>
/// Relative multi-head attention (HF XLNetRelativeAttention): content (q·k with r_w_bias), position (q·r with r_r_bias,
/// shifted so that entry (i, j) scores distance i − j) and segment (q·seg_embed with r_s_bias: same or other segment)
/// scores, scaled by 1/√d_head; then the output projection, dropout, residual and LayerNorm.
/// </summary>
public sealed class XLNetRelativeAttention : nn.Module<Tensor, XLNetAttentionInputs, Tensor>
{
    readonly Parameter q, k, v, o, r, r_r_bias, r_s_bias, r_w_bias, seg_embed;
    readonly LayerNorm layer_norm;
    readonly GeneratorDropout dropout;
    readonly long d, heads, headDim;

    public XLNetRelativeAttention(XLNetConfig c) : base(nameof(XLNetRelativeAttention))
    {
        (d, heads, headDim) = (c.DModel, c.NHead, c.DHead);
        Parameter Projection() => nn.Parameter(empty(d, heads, headDim));
        (q, k, v, o, r) = (Projection(), Projection(), Projection(), Projection(), Projection());
        r_r_bias = nn.Parameter(empty(heads, headDim));
        r_s_bias = nn.Parameter(empty(heads, headDim));
        r_w_bias = nn.Parameter(empty(heads, headDim));
        seg_embed = nn.Parameter(empty(2, heads, headDim));
        layer_norm = nn.LayerNorm(c.DModel, eps: c.LayerNormEps);
        dropout = new GeneratorDropout(c.Dropout);
        RegisterComponents();
    }

    /// <summary>Every parameter transformers initialises with normal(0, initializer_range) in this module.</summary>
    internal IEnumerable<Parameter> NormalInitialised() => [q, k, v, o, r, r_r_bias, r_s_bias, r_w_bias, seg_embed];

    // x [B, T, D] times a [D, N, Dh] projection: [B, T, N, Dh] (einsum "ibh,hnd->ibnd").
    Tensor Project(Tensor x, Parameter w) => x.matmul(w.view(d, heads * headDim)).view(x.shape[0], x.shape[1], heads, headDim);

    /// <summary>The content stream alone: h [B, T, D]; see <see cref="XLNetModel.AttentionInputs"/> for the rest.</summary>
    public override Tensor forward(Tensor h, XLNetAttentionInputs inputs)
    {
        using var scope = NewDisposeScope();
        var (kHead, vHead, kPosition) = KeysAndValues(h, inputs);
        return scope.MoveToOuter(PostAttention(h, Attend(Project(h, q), kHead, vHead, kPosition, inputs, inputs.Masked)));
    }

    /// <summary>
    /// Two-stream attention: the content stream h [B, T, D] as the content-only forward pass, and the query stream g [B, T, D],
    /// whose queries read the content stream's keys and values under <see cref="XLNetAttentionInputs.MaskedQuery"/>
    /// (HF rel_attn with g). Both share the projections, the relative positions and the LayerNorm.
    /// </summary>
    public (Tensor Content, Tensor Query) TwoStream(Tensor h, Tensor g, XLNetAttentionInputs inputs)
    {
        using var scope = NewDisposeScope();
        var (kHead, vHead, kPosition) = KeysAndValues(h, inputs);
        var content = PostAttention(h, Attend(Project(h, q), kHead, vHead, kPosition, inputs, inputs.Masked));
        var query = PostAttention(g, Attend(Project(g, q), kHead, vHead, kPosition, inputs, inputs.MaskedQuery));
        return (scope.MoveToOuter(content), scope.MoveToOuter(query));
    }

    (Tensor Key, Tensor Value, Tensor Position) KeysAndValues(Tensor h, XLNetAttentionInputs inputs) =>
        (Project(h, k).permute(0, 2, 3, 1),                      // [B, N, Dh, J]
         Project(h, v).permute(0, 2, 1, 3),                      // [B, N, J, Dh]
         Project(inputs.Positions, r).permute(0, 2, 3, 1));      // [B or 1, N, Dh, R], R = 2T

    // The attended values [B, I, N·Dh] of queries qHead [B, I, N, Dh] (HF rel_attn_core).
    Tensor Attend(Tensor qHead, Tensor kHead, Tensor vHead, Tensor kPosition, XLNetAttentionInputs inputs, Tensor? masked)
    {
        long b = qHead.shape[0], t = qHead.shape[1];
        var content = qHead.Plus(r_w_bias).permute(0, 2, 1, 3).matmul(kHead);               // [B, N, I, J]
        var position = RelativeShift(qHead.Plus(r_r_bias).permute(0, 2, 1, 3).matmul(kPosition), kHead.shape[3]);
        var score = content.Plus(position);
        if (inputs.SameSegment is not null)
        {
            // Each query's score for "same segment" and for "other segment" (einsum "ibnd,snd->ibns"), picked per key.
            var segment = qHead.Plus(r_s_bias).permute(0, 2, 1, 3).matmul(seg_embed.permute(1, 2, 0));   // [B, N, I, 2]
            var same = segment.select(-1, 0).unsqueeze(-1);
            var other = segment.select(-1, 1).unsqueeze(-1);
            score = score.Plus(where(inputs.SameSegment.unsqueeze(1), same, other));
        }
        score = score.Times(1 / Math.Sqrt(headDim));
        if (masked is not null)
        {
            using var minusLarge = (-1e30).ToScalar();      // transformers subtracts 1e30; exp of either is 0
            score = score.masked_fill(masked.unsqueeze(1), minusLarge);
        }
        var probabilities = dropout.forward(score.softmax(-1));
        return probabilities.matmul(vHead).permute(0, 2, 1, 3).reshape(b, t, heads * headDim);
    }

    // The output projection (einsum "ibnd,hnd->ibh"), dropout, residual and LayerNorm (HF post_attention).
    Tensor PostAttention(Tensor residual, Tensor attended) =>
        layer_norm.forward(dropout.forward(attended.matmul(o.view(d, heads * headDim).t())).Plus(residual));

    /// <summary>
    /// transformers' rel_shift_bnij: <paramref name="x"/> [B, N, I, R] scores query i against relative position p
    /// (distance klen − p); the result [B, N, I, klen] holds at (i, j) the entry (i, I − i + j), distance i − j.
    /// </summary>
    public static Tensor RelativeShift(Tensor x, long klen)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], n = x.shape[1], i = x.shape[2], rlen = x.shape[3];
        var shifted = x.reshape(b, n, rlen, i).narrow(2, 1, rlen - 1).reshape(b, n, i, rlen - 1).narrow(3, 0, klen);
        return scope.MoveToOuter(shifted.contiguous());
    }
}

/// <summary>layer_1 → activation → dropout → layer_2 → dropout → residual → LayerNorm (HF XLNetFeedForward).</summary>
public sealed class XLNetFeedForward : nn.Module<Tensor, Tensor>
{
    readonly LayerNorm layer_norm;
    readonly Linear layer_1, layer_2;
    readonly GeneratorDropout dropout;
    readonly string activation;

    public XLNetFeedForward(XLNetConfig c) : base(nameof(XLNetFeedForward))
    {
        layer_norm = nn.LayerNorm(c.DModel, eps: c.LayerNormEps);
        layer_1 = nn.Linear(c.DModel, c.DInner);
        layer_2 = nn.Linear(c.DInner, c.DModel);
        dropout = new GeneratorDropout(c.Dropout);
        activation = c.FfActivation;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var inner = dropout.forward(Activations.Apply(activation, layer_1.forward(x)));
        return scope.MoveToOuter(layer_norm.forward(dropout.forward(layer_2.forward(inner)).Plus(x)));
    }
}

/// <summary>One block (HF XLNetLayer): relative attention, then the feed-forward.</summary>
public sealed class XLNetLayer : nn.Module<Tensor, XLNetAttentionInputs, Tensor>
{
    readonly XLNetRelativeAttention rel_attn;
    readonly XLNetFeedForward ff;

    public XLNetLayer(XLNetConfig c) : base(nameof(XLNetLayer))
    {
        rel_attn = new XLNetRelativeAttention(c);
        ff = new XLNetFeedForward(c);
        RegisterComponents();
    }

    internal XLNetRelativeAttention Attention => rel_attn;

    public override Tensor forward(Tensor h, XLNetAttentionInputs inputs)
    {
        using var attended = rel_attn.forward(h, inputs);
        return ff.forward(attended);
    }

    /// <summary>Both streams through the attention, then each through the same feed-forward.</summary>
    public (Tensor Content, Tensor Query) TwoStream(Tensor h, Tensor g, XLNetAttentionInputs inputs)
    {
        var (content, query) = rel_attn.TwoStream(h, g, inputs);
        using (content)
        using (query)
            return (ff.forward(content), ff.forward(query));
    }
}

/// <summary>What <see cref="XLNetModel"/> returns: the last hidden state [B, T, D] and, when asked, every layer's input
/// and the last output before the final dropout ([L + 1] tensors, as transformers' hidden_states).</summary>
public sealed record XLNetOutputs(Tensor LastHiddenState, IReadOnlyList<Tensor>? HiddenStates) : IDisposable
{
    public void Dispose()
    {
        LastHiddenState.Dispose();
        foreach (var h in HiddenStates ?? []) h.Dispose();
    }
}

/// <summary>
/// HF XLNetModel for fine-tuning: word embeddings (no absolute positions), sinusoidal relative positions, the blocks,
/// dropout. A fresh model is initialised as transformers initialises one (normal(0, initializer_range) for weights,
/// embeddings, the attention's projections, biases and segment embeddings, and mask_emb; zero Linear biases; LayerNorms
/// at 1 and 0).
/// </summary>
public sealed class XLNetModel : nn.Module
{
    readonly Embedding word_embedding;
    readonly Parameter mask_emb;
    readonly ModuleList<XLNetLayer> layer;
    readonly GeneratorDropout dropout;

    public XLNetConfig Config { get; }

    public XLNetModel(XLNetConfig config) : base(nameof(XLNetModel))
    {
        Config = config.Validate();
        word_embedding = nn.Embedding(config.VocabSize, config.DModel);
        // The query stream's input (permutation pre-training); fine-tuning does not read it.
        mask_emb = nn.Parameter(empty(1, 1, config.DModel));
        layer = nn.ModuleList(Enumerable.Range(0, config.NLayer).Select(_ => new XLNetLayer(config)).ToArray());
        dropout = new GeneratorDropout(config.Dropout);
        RegisterComponents();
        XLNetInitialization.Apply(this, config);
    }

    internal Parameter MaskEmbedding => mask_emb;
    /// <summary>The word embeddings [V, D], which the LM head reads as its decoder (tied).</summary>
    public Tensor WordEmbeddingWeight => word_embedding.weight!;
    internal IEnumerable<XLNetLayer> Layers => layer;

    /// <summary>
    /// inputIds [B, T] int64; attentionMask [B, T] (1: a token, 0: padding; null: all tokens); tokenTypeIds [B, T] (only
    /// equality matters: XLNet's segment encoding is "same segment or not"; null: none). XLNet pads on the left, so
    /// the last token is &lt;cls&gt;. Every position attends to itself, padding included, as in transformers.
    /// </summary>
    public XLNetOutputs forward(Tensor inputIds, Tensor? attentionMask = null, Tensor? tokenTypeIds = null, bool outputHiddenStates = false)
    {
        using var scope = NewDisposeScope();
        using var inputs = AttentionInputs(inputIds, attentionMask, tokenTypeIds);
        var h = dropout.forward(word_embedding.forward(inputIds));
        var hidden = outputHiddenStates ? new List<Tensor> { h } : null;
        foreach (var l in layer)
        {
            h = l.forward(h, inputs);
            hidden?.Add(h);
        }
        var last = scope.MoveToOuter(dropout.forward(h));
        foreach (var x in hidden ?? []) scope.MoveToOuter(x);
        return new XLNetOutputs(last, hidden);
    }

    /// <summary>
    /// Permutation pre-training's forward pass (HF XLNetModel with perm_mask and the identity target_mapping): the
    /// content stream from the tokens and the query stream from mask_emb at every position. permMask [B, T, T] bool is
    /// true where query i may not see token j (see <see cref="PermutationLanguageModelling"/>): the content stream obeys
    /// it except at i itself, the query stream everywhere. Returns both last states [B, T, D] after the final dropout;
    /// the query stream's predicts each position's token without having seen it.
    /// </summary>
    public (Tensor Content, Tensor Query) TwoStream(Tensor inputIds, Tensor? attentionMask, Tensor? tokenTypeIds, Tensor permMask)
    {
        using var scope = NewDisposeScope();
        using var inputs = AttentionInputs(inputIds, attentionMask, tokenTypeIds, permMask);
        var h = dropout.forward(word_embedding.forward(inputIds));
        var g = dropout.forward(mask_emb.expand(inputIds.shape[0], inputIds.shape[1], -1));
        foreach (var l in layer) (h, g) = l.TwoStream(h, g, inputs);
        return (scope.MoveToOuter(dropout.forward(h)), scope.MoveToOuter(dropout.forward(g)));
    }

    /// <summary>The relative positions [B or 1, 2T, D] (dropped out per row in training, as transformers expands them over
    /// the batch first), which pairs share a segment [B, T, T], and which query–key pairs are masked [B, T, T] for the
    /// content stream and, given a permutation mask, for the query stream.</summary>
    XLNetAttentionInputs AttentionInputs(Tensor inputIds, Tensor? attentionMask, Tensor? tokenTypeIds, Tensor? permMask = null)
    {
        using var scope = NewDisposeScope();
        long b = inputIds.shape[0], t = inputIds.shape[1];
        var positions = RelativePositionalEncoding(t, Config.DModel, Config.ClampLen, inputIds.device).unsqueeze(0);
        if (training && dropout.P > 0) positions = dropout.forward(positions.expand(b, -1, -1).contiguous());
        Tensor? sameSegment = tokenTypeIds is null ? null : tokenTypeIds.unsqueeze(2).eq(tokenTypeIds.unsqueeze(1));
        // transformers' data_mask: padding keys, and the pairs the permutation hides.
        Tensor? hidden = attentionMask?.eq(ScalarMath.Zero).unsqueeze(1).expand(b, t, t);
        if (permMask is not null)
        {
            if (!permMask.shape.SequenceEqual([b, t, t]))
                throw new ArgumentException($"the permutation mask is [{string.Join(", ", permMask.shape)}], the batch needs [{b}, {t}, {t}]");
            var perm = permMask.to(ScalarType.Bool);
            hidden = hidden is null ? perm : hidden.logical_or(perm);
        }
        // The content stream always sees its own token (transformers' non_tgt_mask); the query stream never needs to.
        var self = eye(t, dtype: ScalarType.Bool, device: inputIds.device).unsqueeze(0);
        var masked = hidden?.logical_and(self.logical_not());
        var maskedQuery = permMask is null ? null : hidden;
        var result = new XLNetAttentionInputs(positions, sameSegment, masked, maskedQuery);
        foreach (var x in new[] { positions, sameSegment, masked, maskedQuery }) if (x is not null) scope.MoveToOuter(x);
        return result;
    }

    /// <summary>
    /// transformers' relative_positional_encoding for attn_type "bi" without memory: distances T, T − 1, …, −T + 1
    /// (clamped to ±clampLen when it is positive), each as [sin(p·f), cos(p·f)] with f = 1 / 10000^(2k / D): [2T, D].
    /// </summary>
    public static Tensor RelativePositionalEncoding(long t, long dModel, int clampLen, Device device)
    {
        using var scope = NewDisposeScope();
        using var start = t.ToScalar();
        using var end = (-t).ToScalar();
        using var minusOne = (-1).ToScalar();
        using var two = 2.ToScalar();
        var distances = arange(start, end, minusOne, dtype: int64, device: device).to(float32);
        if (clampLen > 0)
        {
            using var low = ((double)-clampLen).ToScalar();
            using var high = ((double)clampLen).ToScalar();
            distances = distances.clamp(low, high);
        }
        using var width = dModel.ToScalar();
        var frequencies = arange(ScalarMath.Zero, width, two, dtype: int64, device: device).to(float32).DividedBy(dModel);
        using var tenThousand = 10000.0.ToScalar();
        var inverse = full_like(frequencies, tenThousand).pow(frequencies).reciprocal();      // 1 / 10000^(2k/D), as transformers
        var angles = distances.unsqueeze(1).mul(inverse.unsqueeze(0));
        return scope.MoveToOuter(cat([angles.sin(), angles.cos()], 1));
    }

    /// <summary>Every dropout of the model, for the trainer to give them a run's generator.</summary>
    public IEnumerable<GeneratorDropout> Dropouts() => modules().OfType<GeneratorDropout>();
}

/// <summary>
/// HF XLNetSequenceSummary as XLNet configures it: the last token's hidden state (&lt;cls&gt;, the padding being on the
/// left), a Linear D → D, tanh, dropout. It plays the part of BERT's pooler.
/// </summary>
public sealed class XLNetSequenceSummary : nn.Module<Tensor, Tensor>
{
    readonly Linear? summary;
    readonly GeneratorDropout first_dropout, last_dropout;
    readonly string type;
    readonly bool tanh;

    public XLNetSequenceSummary(XLNetConfig c) : base(nameof(XLNetSequenceSummary))
    {
        summary = c.SummaryUseProj ? nn.Linear(c.DModel, c.DModel) : null;
        first_dropout = new GeneratorDropout(c.SummaryFirstDropout);
        last_dropout = new GeneratorDropout(c.SummaryLastDropout);
        (type, tanh) = (c.SummaryType, c.SummaryActivation == "tanh");
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        var x = type switch
        {
            "last" => hidden.select(1, -1),
            "first" => hidden.select(1, 0),
            _ => hidden.mean([1]),
        };
        x = first_dropout.forward(x);
        if (summary is not null) x = summary.forward(x);
        if (tanh) x = x.tanh();
        return scope.MoveToOuter(last_dropout.forward(x));
    }
}

/// <summary>
/// HF XLNetForSequenceClassification: XLNetModel (<c>transformer.*</c>), the sequence summary and a linear
/// <c>logits_proj</c>. One label is regression (mean squared error, as STS-B); more are classes (cross-entropy).
/// </summary>
public sealed class XLNetForSequenceClassification : TextClassifier
{
    readonly XLNetModel transformer;
    readonly XLNetSequenceSummary sequence_summary;
    readonly Linear logits_proj;

    public XLNetConfig Config { get; }
    public XLNetModel Transformer => transformer;
    public override int NumLabels => Config.NumLabels;

    public XLNetForSequenceClassification(XLNetConfig config) : base(nameof(XLNetForSequenceClassification))
    {
        Config = config.Validate();
        transformer = new XLNetModel(config);
        sequence_summary = new XLNetSequenceSummary(config);
        logits_proj = nn.Linear(config.DModel, config.NumLabels);
        RegisterComponents();
        XLNetInitialization.Apply(sequence_summary, config);
        XLNetInitialization.Apply(logits_proj, config);
    }

    /// <summary>The logits [B, num_labels] (see <see cref="XLNetModel.forward"/> for the inputs).</summary>
    public override Tensor forward(Tensor inputIds, Tensor? attentionMask = null, Tensor? tokenTypeIds = null)
    {
        using var outputs = transformer.forward(inputIds, attentionMask, tokenTypeIds);
        using var summarised = sequence_summary.forward(outputs.LastHiddenState);
        return logits_proj.forward(summarised);
    }
}

/// <summary>transformers' XLNetPreTrainedModel._init_weights over a module and everything in it.</summary>
static class XLNetInitialization
{
    public static void Apply(nn.Module module, XLNetConfig c) => TransformersInitialization.Apply(module, c.InitializerRange, m =>
    {
        if (m is XLNetRelativeAttention attention)
            foreach (var p in attention.NormalInitialised()) nn.init.normal_(p, 0, c.InitializerRange);
        else if (m is XLNetModel model)
            nn.init.normal_(model.MaskEmbedding, 0, c.InitializerRange);
    });
}
