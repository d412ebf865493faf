using Parp.Data;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Parp.Text;

/// <summary>HF XLNetLMHeadModel's <c>lm_loss</c>: a Linear whose weight is the word embeddings (tied), so that only its
/// bias is a weight of its own.</summary>
public sealed class XLNetLMLoss : nn.Module
{
    readonly Parameter bias;

    public XLNetLMLoss(XLNetConfig c) : base(nameof(XLNetLMLoss))
    {
        bias = new Parameter(zeros(c.VocabSize));
        RegisterComponents();
    }

    public Tensor forward(Tensor hidden, Tensor wordEmbeddings) => nn.functional.linear(hidden, wordEmbeddings, bias);
}

/// <summary>
/// HF XLNetLMHeadModel as permutation pre-training uses it: XLNetModel (<c>transformer.*</c>) run with both streams,
/// and the vocabulary logits read from the query stream (<c>lm_loss.bias</c>; the decoder is the word embeddings).
/// Its checkpoint loads in transformers as XLNetLMHeadModel, and as the body of an XLNetForSequenceClassification,
/// which drops the LM head and starts its summary and classifier fresh.
/// </summary>
public sealed class XLNetLMHeadModel : nn.Module
{
    readonly XLNetModel transformer;
    readonly XLNetLMLoss lm_loss;

    public XLNetConfig Config { get; }
    public XLNetModel Transformer => transformer;

    public XLNetLMHeadModel(XLNetConfig config) : base(nameof(XLNetLMHeadModel))
    {
        Config = config.Validate();
        transformer = new XLNetModel(config);
        lm_loss = new XLNetLMLoss(config);
        RegisterComponents();
    }

    /// <summary>
    /// The permutation language-modelling loss (inputs as <see cref="XLNetModel.TwoStream"/>; labels int64 [B, T],
    /// <see cref="BertForMaskedLM.Ignored"/> where nothing is predicted): cross-entropy of the query stream's logits at
    /// the predicted positions, which is transformers' loss with the identity target mapping. Returns the logits [M, V]
    /// and labels [M] of the M predicted positions too.
    /// </summary>
    public (Tensor Loss, Tensor Logits, Tensor Labels) PermutationLoss(Tensor inputIds, Tensor? attentionMask, Tensor? tokenTypeIds,
        Tensor permMask, Tensor labels)
    {
        var (content, query) = transformer.TwoStream(inputIds, attentionMask, tokenTypeIds, permMask);
        using (content)
        using (query)
            return PredictedTokens.Loss(query, labels, hidden => lm_loss.forward(hidden, transformer.WordEmbeddingWeight));
    }

}

/// <summary>
/// The inputs of XLNet's permutation pre-training as transformers' DataCollatorForPermutationLanguageModeling builds them
/// (plm_probability 1/6, max_span_length 5), for a batch of B rows of an even length T:
/// <list type="bullet">
/// <item>spans to predict: from position 0 on, a span length L is drawn from 1..5, a context of L·6 tokens, and the span
/// placed at random inside it; special tokens and padding are never predicted;</item>
/// <item>a factorisation order: one random order of the positions 0..T/2 − 1, the second half following the first in
/// the same order (transformers' order, which keeps the halves apart);</item>
/// <item>the permutation mask [B, T, T]: query i may not see token j when j is predicted and does not come before i in
/// that order; tokens not predicted come first, so they see no predicted token, and every token sees them.</item>
/// </list>
/// Predicted tokens are replaced by &lt;mask&gt; in the inputs, as transformers does (the permutation mask alone already
/// hides each from every query that predicts it or comes before it). The labels are the predicted tokens' ids and
/// <see cref="BertForMaskedLM.Ignored"/> elsewhere; at least one token per batch is predicted. The draws come from the generator given, so a resumed run builds its batches as the first attempt did.
/// </summary>
public static class PermutationLanguageModelling
{
    public const double Probability = 1.0 / 6;
    public const int MaxSpanLength = 5;

    public static (long[] Inputs, bool[] PermMask, long[] Labels) Mask(long[] ids, long[] attentionMask, int length, IReadOnlySet<long> special,
        long maskId, DeterministicRandom random)
    {
        if (length <= 0 || length % 2 != 0)
            throw new ArgumentException($"permutation language modelling needs an even sequence length; this batch has {length} (pad it to an even one)");
        if (ids.Length % length != 0 || attentionMask.Length != ids.Length)
            throw new ArgumentException($"{ids.Length} ids and {attentionMask.Length} mask entries are not rows of {length}");
        int rows = ids.Length / length, half = length / 2;
        var labels = Enumerable.Repeat(BertForMaskedLM.Ignored, ids.Length).ToArray();
        var predicted = new bool[ids.Length];
        bool Regular(int p) => attentionMask[p] != 0 && !special.Contains(ids[p]);
        for (int row = 0; row < rows; row++)
            for (int position = 0; position < length;)
            {
                int span = random.Next(1, MaxSpanLength + 1);
                int context = (int)(span / Probability);
                int start = position + random.Next(0, context - span + 1);
                for (int p = start; p < Math.Min(start + span, length); p++) predicted[row * length + p] = Regular(row * length + p);
                position += context;
            }
        if (!predicted.Any(x => x))
        {
            var candidates = Enumerable.Range(0, ids.Length).Where(Regular).ToList();
            if (candidates.Count > 0) predicted[candidates[random.Next(0, candidates.Count)]] = true;
        }
        var inputs = (long[])ids.Clone();
        for (int p = 0; p < ids.Length; p++)
            if (predicted[p]) (labels[p], inputs[p]) = (ids[p], maskId);

        var permMask = new bool[(long)rows * length * length];
        var order = new int[length];
        for (int row = 0; row < rows; row++)
        {
            var firstHalf = Enumerable.Range(0, half).ToArray();
            for (int i = half - 1; i > 0; i--) { int j = random.Next(0, i + 1); (firstHalf[i], firstHalf[j]) = (firstHalf[j], firstHalf[i]); }
            for (int p = 0; p < half; p++) (order[p], order[half + p]) = (firstHalf[p], firstHalf[p] + half);
            int o = row * length;
            // Regular tokens not predicted come before everything (transformers gives them -1; special tokens and
            // padding keep their place in the order, which matters only for what they see themselves).
            for (int p = 0; p < length; p++) if (!predicted[o + p] && Regular(o + p)) order[p] = -1;
            for (int i = 0; i < length; i++)
                for (int j = 0; j < length; j++)
                    permMask[((long)row * length + i) * length + j] = predicted[o + j] && order[i] <= order[j];
        }
        return (inputs, permMask, labels);
    }
}
