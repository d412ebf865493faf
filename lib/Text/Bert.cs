using Parp.Models;
using Parp.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Parp.Text;

// BERT as transformers' modeling_bert defines it (post-LayerNorm encoder, exact GELU by default), with its module and
// parameter names, so that state-dict keys are the checkpoints' own (bert.encoder.layer.0.attention.self.query.weight).
// Dropouts draw from a per-run generator on the CPU when one is set (GeneratorDropout), as the wav2vec2 model's do.

/// <summary>Word, position and token-type embeddings, summed, then LayerNorm and dropout (HF BertEmbeddings).</summary>
public sealed class BertEmbeddings : nn.Module<Tensor, Tensor, Tensor>
{
    readonly Embedding word_embeddings, position_embeddings, token_type_embeddings;
    readonly LayerNorm LayerNorm;
    readonly GeneratorDropout dropout;
    readonly long pad;

    public BertEmbeddings(BertConfig c) : base(nameof(BertEmbeddings))
    {
        pad = c.PadTokenId;
        word_embeddings = nn.Embedding(c.VocabSize, c.HiddenSize, padding_idx: c.PadTokenId);
        position_embeddings = nn.Embedding(c.MaxPositionEmbeddings, c.HiddenSize);
        token_type_embeddings = nn.Embedding(c.TypeVocabSize, c.HiddenSize);
        LayerNorm = nn.LayerNorm(c.HiddenSize, eps: c.LayerNormEps);
        dropout = new GeneratorDropout(c.HiddenDropoutProb);
        RegisterComponents();
    }

    /// <summary>The word embeddings [V, D]: the masked-LM decoder's weight too (tied, as transformers ties them).</summary>
    internal Parameter WordEmbeddingWeight => word_embeddings.weight!;

    /// <summary>The padding token's word embedding at zero, as nn.Embedding(padding_idx) starts it.</summary>
    internal void ZeroPaddingRow()
    {
        using var _ = no_grad();
        using var row = word_embeddings.weight![pad];
        row.zero_();
    }

    /// <summary>inputIds and tokenTypeIds [B, T] int64; positions are 0..T−1 (absolute, as transformers' default).</summary>
    public override Tensor forward(Tensor inputIds, Tensor tokenTypeIds)
    {
        using var scope = NewDisposeScope();
        using var end = inputIds.shape[1].ToScalar();
        using var positions = arange(ScalarMath.Zero, end, ScalarMath.One, dtype: int64, device: inputIds.device);
        var x = word_embeddings.forward(inputIds).Plus(position_embeddings.forward(positions)).Plus(token_type_embeddings.forward(tokenTypeIds));
        return scope.MoveToOuter(dropout.forward(LayerNorm.forward(x)));
    }
}

/// <summary>Multi-head self-attention without its output projection (HF BertSelfAttention).</summary>
public sealed class BertSelfAttention : nn.Module<Tensor, Tensor?, Tensor>
{
    readonly Linear query, key, value;
    readonly GeneratorDropout dropout;
    readonly long heads, headDim;

    public BertSelfAttention(BertConfig c) : base(nameof(BertSelfAttention))
    {
        query = nn.Linear(c.HiddenSize, c.HiddenSize);
        key = nn.Linear(c.HiddenSize, c.HiddenSize);
        value = nn.Linear(c.HiddenSize, c.HiddenSize);
        dropout = new GeneratorDropout(c.AttentionProbsDropoutProb);
        heads = c.NumAttentionHeads;
        headDim = c.HiddenSize / c.NumAttentionHeads;
        RegisterComponents();
    }

    /// <summary>x [B, T, D]; keyMask [B, 1, 1, T] bool (true: a token to attend to) or null.</summary>
    public override Tensor forward(Tensor x, Tensor? keyMask)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1];
        Tensor Split(Tensor y) => y.view(b, t, heads, headDim).transpose(1, 2);
        var (q, k, v) = (Split(query.forward(x)), Split(key.forward(x)), Split(value.forward(x)));
        Tensor context;
        if (training && dropout.P > 0 && dropout.Generator is not null && x.device_type == DeviceType.CPU)
        {
            // Dropout on the attention probabilities drawn from the run's generator needs them written out.
            using var scale = (1 / Math.Sqrt(headDim)).ToScalar();
            var scores = q.matmul(k.transpose(-2, -1)).mul(scale);
            if (keyMask is not null)
            {
                using var minusInfinity = double.NegativeInfinity.ToScalar();
                scores = scores.masked_fill(keyMask.logical_not(), minusInfinity);
            }
            context = dropout.forward(scores.softmax(-1)).matmul(v);
        }
        else context = nn.functional.scaled_dot_product_attention(q, k, v, attn_mask: keyMask, p: training ? dropout.P : 0.0);
        return scope.MoveToOuter(context.transpose(1, 2).reshape(b, t, heads * headDim));
    }
}

/// <summary>dense → dropout → residual → LayerNorm (HF BertSelfOutput and BertOutput: the two differ only in width).</summary>
public sealed class BertResidualOutput : nn.Module<Tensor, Tensor, Tensor>
{
    readonly Linear dense;
    readonly LayerNorm LayerNorm;
    readonly GeneratorDropout dropout;

    public BertResidualOutput(BertConfig c, int inputSize) : base(nameof(BertResidualOutput))
    {
        dense = nn.Linear(inputSize, c.HiddenSize);
        LayerNorm = nn.LayerNorm(c.HiddenSize, eps: c.LayerNormEps);
        dropout = new GeneratorDropout(c.HiddenDropoutProb);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden, Tensor residual)
    {
        using var scope = NewDisposeScope();
        return scope.MoveToOuter(LayerNorm.forward(dropout.forward(dense.forward(hidden)).Plus(residual)));
    }
}

/// <summary>Self-attention and its output (HF BertAttention: <c>attention.self</c>, <c>attention.output</c>).</summary>
public sealed class BertAttention : nn.Module<Tensor, Tensor?, Tensor>
{
    readonly BertSelfAttention @self;
    readonly BertResidualOutput output;

    public BertAttention(BertConfig c) : base(nameof(BertAttention))
    {
        @self = new BertSelfAttention(c);
        output = new BertResidualOutput(c, c.HiddenSize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor? keyMask)
    {
        using var context = @self.forward(x, keyMask);
        return output.forward(context, x);
    }
}

/// <summary>The intermediate projection and its activation (HF BertIntermediate).</summary>
public sealed class BertIntermediate : nn.Module<Tensor, Tensor>
{
    readonly Linear dense;
    readonly string activation;

    public BertIntermediate(BertConfig c) : base(nameof(BertIntermediate))
    {
        dense = nn.Linear(c.HiddenSize, c.IntermediateSize);
        activation = c.HiddenAct;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var projected = dense.forward(x);
        return Activations.Apply(activation, projected);
    }
}

/// <summary>One post-LayerNorm encoder layer (HF BertLayer: attention, intermediate, output).</summary>
public sealed class BertLayer : nn.Module<Tensor, Tensor?, Tensor>
{
    readonly BertAttention attention;
    readonly BertIntermediate intermediate;
    readonly BertResidualOutput output;

    public BertLayer(BertConfig c) : base(nameof(BertLayer))
    {
        attention = new BertAttention(c);
        intermediate = new BertIntermediate(c);
        output = new BertResidualOutput(c, c.IntermediateSize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor? keyMask)
    {
        using var scope = NewDisposeScope();
        var attended = attention.forward(x, keyMask);
        return scope.MoveToOuter(output.forward(intermediate.forward(attended), attended));
    }
}

/// <summary>The stack of layers (HF BertEncoder: <c>encoder.layer.N</c>).</summary>
public sealed class BertEncoder : nn.Module<Tensor, Tensor?, Tensor>
{
    readonly ModuleList<BertLayer> layer;

    public BertEncoder(BertConfig c) : base(nameof(BertEncoder))
    {
        layer = nn.ModuleList(Enumerable.Range(0, c.NumHiddenLayers).Select(_ => new BertLayer(c)).ToArray());
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor? keyMask)
    {
        var h = x;
        foreach (var l in layer)
        {
            var next = l.forward(h, keyMask);
            if (!ReferenceEquals(h, x)) h.Dispose();
            h = next;
        }
        return ReferenceEquals(h, x) ? x.alias() : h;
    }
}

/// <summary>tanh(dense(first token's hidden state)) (HF BertPooler).</summary>
public sealed class BertPooler : nn.Module<Tensor, Tensor>
{
    readonly Linear dense;

    public BertPooler(BertConfig c) : base(nameof(BertPooler))
    {
        dense = nn.Linear(c.HiddenSize, c.HiddenSize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        return scope.MoveToOuter(dense.forward(hidden.select(1, 0)).tanh());
    }
}

/// <summary>What <see cref="BertModel"/> returns: every token's last hidden state [B, T, D] and the pooled first token [B, D].</summary>
public sealed record BertOutputs(Tensor LastHiddenState, Tensor? PooledOutput) : IDisposable
{
    public void Dispose() { LastHiddenState.Dispose(); PooledOutput?.Dispose(); }
}

/// <summary>
/// HF BertModel: embeddings, encoder and (optionally) pooler. A fresh model is initialised as transformers initialises
/// one (normal(0, initializer_range) weights, zero biases and padding row, LayerNorms at 1 and 0).
/// </summary>
public sealed class BertModel : nn.Module
{
    readonly BertEmbeddings embeddings;
    readonly BertEncoder encoder;
    readonly BertPooler? pooler;

    public BertConfig Config { get; }

    internal BertEmbeddings Embeddings => embeddings;

    public BertModel(BertConfig config, bool addPoolingLayer = true) : base(nameof(BertModel))
    {
        Config = config.Validate();
        embeddings = new BertEmbeddings(config);
        encoder = new BertEncoder(config);
        pooler = addPoolingLayer ? new BertPooler(config) : null;
        RegisterComponents();
        BertInitialization.Apply(this, config);
    }

    /// <summary>
    /// inputIds [B, T] int64; attentionMask [B, T] (1: a token, 0: padding; null: all tokens); tokenTypeIds [B, T]
    /// (null: all segment 0). The outputs at padded positions are computed but carry no meaning.
    /// </summary>
    public BertOutputs forward(Tensor inputIds, Tensor? attentionMask = null, Tensor? tokenTypeIds = null)
    {
        if (inputIds.shape[1] > Config.MaxPositionEmbeddings)
            throw new ArgumentException($"{inputIds.shape[1]} tokens: the model has {Config.MaxPositionEmbeddings} positions");
        using var scope = NewDisposeScope();
        var types = tokenTypeIds ?? zeros_like(inputIds);
        var keyMask = attentionMask?.to(ScalarType.Bool).view(inputIds.shape[0], 1, 1, inputIds.shape[1]);
        var hidden = encoder.forward(embeddings.forward(inputIds, types), keyMask);
        var pooled = pooler?.forward(hidden);
        scope.MoveToOuter(hidden);
        if (pooled is not null) scope.MoveToOuter(pooled);
        return new BertOutputs(hidden, pooled);
    }

    /// <summary>Every dropout of the model, for the trainer to give them a run's generator.</summary>
    public IEnumerable<GeneratorDropout> Dropouts() => modules().OfType<GeneratorDropout>();
}

/// <summary>
/// HF BertForSequenceClassification: BertModel with its pooler, dropout, and a linear classifier over the pooled first
/// token. One label is regression (mean squared error, as STS-B); more are classes (cross-entropy).
/// </summary>
public sealed class BertForSequenceClassification : TextClassifier
{
    readonly BertModel bert;
    readonly GeneratorDropout dropout;
    readonly Linear classifier;

    public BertConfig Config { get; }
    public BertModel Bert => bert;
    public override int NumLabels => Config.NumLabels;

    public BertForSequenceClassification(BertConfig config) : base(nameof(BertForSequenceClassification))
    {
        Config = config.Validate();
        bert = new BertModel(config);
        dropout = new GeneratorDropout(config.ClassifierDropout ?? config.HiddenDropoutProb);
        classifier = nn.Linear(config.HiddenSize, config.NumLabels);
        RegisterComponents();
        BertInitialization.Apply(classifier, config);
    }

    /// <summary>The logits [B, num_labels] (see <see cref="BertModel.forward"/> for the inputs).</summary>
    public override Tensor forward(Tensor inputIds, Tensor? attentionMask = null, Tensor? tokenTypeIds = null)
    {
        using var outputs = bert.forward(inputIds, attentionMask, tokenTypeIds);
        using var pooled = dropout.forward(outputs.PooledOutput!);
        return classifier.forward(pooled);
    }
}

/// <summary>transformers' BertPreTrainedModel._init_weights over a module's Linears, Embeddings and LayerNorms.</summary>
static class BertInitialization
{
    public static void Apply(nn.Module module, BertConfig c)
    {
        TransformersInitialization.Apply(module, c.InitializerRange);
        foreach (var e in module.modules().Prepend(module).OfType<BertEmbeddings>()) e.ZeroPaddingRow();
    }
}

/// <summary>transformers' _init_weights for the modules every text model here has: Linear and Embedding weights drawn
/// from normal(0, <c>initializer_range</c>), Linear biases 0, LayerNorms 1 and 0; <c>other</c> initialises a family's
/// own modules.</summary>
static class TransformersInitialization
{
    public static void Apply(nn.Module module, double range, Action<nn.Module>? other = null)
    {
        using var _ = no_grad();
        foreach (var m in module.modules().Prepend(module))
            switch (m)
            {
                case Linear linear:
                    nn.init.normal_(linear.weight, 0, range);
                    if (linear.bias is not null) nn.init.zeros_(linear.bias);
                    break;
                case Embedding embedding:
                    nn.init.normal_(embedding.weight!, 0, range);
                    break;
                case LayerNorm norm:
                    nn.init.ones_(norm.weight!);
                    nn.init.zeros_(norm.bias!);
                    break;
                default:
                    other?.Invoke(m);
                    break;
            }
    }
}
