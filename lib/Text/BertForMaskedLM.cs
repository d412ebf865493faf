using Parp.Data;
using Parp.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Parp.Text;

/// <summary>dense → activation → LayerNorm before the vocabulary projection (HF BertPredictionHeadTransform).</summary>
public sealed class BertPredictionHeadTransform : nn.Module<Tensor, Tensor>
{
    readonly Linear dense;
    readonly LayerNorm LayerNorm;
    readonly string activation;

    public BertPredictionHeadTransform(BertConfig c) : base(nameof(BertPredictionHeadTransform))
    {
        dense = nn.Linear(c.HiddenSize, c.HiddenSize);
        LayerNorm = nn.LayerNorm(c.HiddenSize, eps: c.LayerNormEps);
        activation = c.HiddenAct;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return scope.MoveToOuter(LayerNorm.forward(Activations.Apply(activation, dense.forward(x))));
    }
}

/// <summary>The transform, then the word embeddings as the decoder (tied) plus a bias of its own (HF
/// BertLMPredictionHead: <c>cls.predictions.transform.*</c>, <c>cls.predictions.bias</c>).</summary>
public sealed class BertLMPredictionHead : nn.Module
{
    readonly BertPredictionHeadTransform transform;
    readonly Parameter bias;

    public BertLMPredictionHead(BertConfig c) : base(nameof(BertLMPredictionHead))
    {
        transform = new BertPredictionHeadTransform(c);
        bias = new Parameter(zeros(c.VocabSize));
        RegisterComponents();
    }

    public Tensor forward(Tensor hidden, Tensor wordEmbeddings)
    {
        using var transformed = transform.forward(hidden);
        return nn.functional.linear(transformed, wordEmbeddings, bias);
    }
}

/// <summary>HF BertOnlyMLMHead: <c>cls.predictions</c>.</summary>
public sealed class BertOnlyMLMHead : nn.Module
{
    readonly BertLMPredictionHead predictions;

    public BertOnlyMLMHead(BertConfig c) : base(nameof(BertOnlyMLMHead))
    {
        predictions = new BertLMPredictionHead(c);
        RegisterComponents();
    }

    public Tensor forward(Tensor hidden, Tensor wordEmbeddings) => predictions.forward(hidden, wordEmbeddings);
}

/// <summary>
/// HF BertForMaskedLM: BertModel without a pooler (<c>bert.*</c>) and the masked-LM head (<c>cls.predictions.*</c>),
/// whose decoder is the word embeddings, tied. Its checkpoint loads in transformers as BertForMaskedLM, and as the body
/// of a BertForSequenceClassification, whose pooler and classifier then start fresh.
/// </summary>
public sealed class BertForMaskedLM : nn.Module
{
    /// <summary>The label of a position that is not predicted (transformers' and PyTorch's ignore index).</summary>
    public const long Ignored = -100;

    readonly BertModel bert;
    readonly BertOnlyMLMHead cls;

    public BertConfig Config { get; }
    public BertModel Bert => bert;

    public BertForMaskedLM(BertConfig config) : base(nameof(BertForMaskedLM))
    {
        Config = config.Validate();
        bert = new BertModel(config, addPoolingLayer: false);
        cls = new BertOnlyMLMHead(config);
        RegisterComponents();
        BertInitialization.Apply(cls, config);
    }

    /// <summary>The vocabulary logits [B, T, V] (see <see cref="BertModel.forward"/> for the inputs).</summary>
    public Tensor forward(Tensor inputIds, Tensor? attentionMask = null, Tensor? tokenTypeIds = null)
    {
        using var outputs = bert.forward(inputIds, attentionMask, tokenTypeIds);
        return cls.forward(outputs.LastHiddenState, bert.Embeddings.WordEmbeddingWeight);
    }

    /// <summary>
    /// The loss and the logits [M, V] at the M predicted positions only (labels int64 [B, T], <see cref="Ignored"/>
    /// elsewhere): the same loss as <see cref="Loss"/> over <see cref="forward"/>, without the vocabulary projection of
    /// the 85 % of positions that predict nothing (at a vocabulary of 8,000 that projection is most of a tiny model's
    /// step). Returns the predicted positions' labels [M] too.
    /// </summary>
    public (Tensor Loss, Tensor Logits, Tensor Labels) MaskedLoss(Tensor inputIds, Tensor? attentionMask, Tensor? tokenTypeIds, Tensor labels)
    {
        using var outputs = bert.forward(inputIds, attentionMask, tokenTypeIds);
        return PredictedTokens.Loss(outputs.LastHiddenState, labels, hidden => cls.forward(hidden, bert.Embeddings.WordEmbeddingWeight));
    }

    /// <summary>Cross-entropy over the predicted positions (labels int64 [B, T], <see cref="Ignored"/> elsewhere).</summary>
    public Tensor Loss(Tensor logits, Tensor labels)
    {
        using var scope = NewDisposeScope();
        return scope.MoveToOuter(nn.functional.cross_entropy(logits.view(-1, Config.VocabSize), labels.view(-1), ignore_index: Ignored));
    }

}

/// <summary>A pre-training loss at the predicted positions only: the head's logits for those rows, then cross-entropy.</summary>
public static class PredictedTokens
{
    /// <summary>hidden [B, T, D]; labels int64 [B, T], <see cref="BertForMaskedLM.Ignored"/> where nothing is predicted;
    /// <paramref name="logitsOf"/> maps [M, D] to the vocabulary logits [M, V]. Returns the loss, the logits and the
    /// M labels.</summary>
    public static (Tensor Loss, Tensor Logits, Tensor Labels) Loss(Tensor hidden, Tensor labels, Func<Tensor, Tensor> logitsOf)
    {
        using var scope = NewDisposeScope();
        var flatLabels = labels.view(-1);
        using var ignored = BertForMaskedLM.Ignored.ToScalar();
        var positions = flatLabels.ne(ignored).nonzero().view(-1);
        var logits = logitsOf(hidden.reshape(-1, hidden.shape[^1]).index_select(0, positions));
        var chosen = flatLabels.index_select(0, positions);
        var loss = nn.functional.cross_entropy(logits, chosen);
        return (scope.MoveToOuter(loss), scope.MoveToOuter(logits), scope.MoveToOuter(chosen));
    }
}

/// <summary>
/// The masked-language-modelling inputs of BERT's pre-training (transformers' DataCollatorForLanguageModeling): each
/// real, non-special token is chosen with probability 0.15 (at least one per batch); a chosen token is replaced by
/// [MASK] 80 % of the time, by a random token of the vocabulary 10 %, and left as it is 10 %; the labels are the chosen
/// tokens' ids and <see cref="BertForMaskedLM.Ignored"/> elsewhere. The draws come from the generator given, so a
/// resumed run masks its batches as the first attempt did.
/// </summary>
public static class MaskedLanguageModelling
{
    public static (long[] Inputs, long[] Labels) Mask(long[] ids, long[] attentionMask, IReadOnlySet<long> special, long maskId, int vocabSize,
        DeterministicRandom random, double probability = 0.15)
    {
        var inputs = (long[])ids.Clone();
        var labels = Enumerable.Repeat(BertForMaskedLM.Ignored, ids.Length).ToArray();
        var candidates = Enumerable.Range(0, ids.Length).Where(i => attentionMask[i] != 0 && !special.Contains(ids[i])).ToList();
        var chosen = candidates.Where(_ => random.NextDouble() < probability).ToList();
        if (chosen.Count == 0 && candidates.Count > 0) chosen.Add(candidates[random.Next(0, candidates.Count)]);
        foreach (var i in chosen)
        {
            labels[i] = ids[i];
            double r = random.NextDouble();
            if (r < 0.8) inputs[i] = maskId;
            else if (r < 0.9) inputs[i] = random.Next(0, vocabSize);
        }
        return (inputs, labels);
    }
}
