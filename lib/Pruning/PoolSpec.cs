using System.Text.RegularExpressions;

namespace Parp.Pruning;

/// <summary>
/// Which parameters form the prunable pool, as regular expressions over Hugging Face parameter names. Every pattern must
/// match at least one parameter of the model (a typo would otherwise silently shrink the pool).
/// </summary>
public sealed record PoolSpec(string Name, IReadOnlyList<string> Patterns)
{
    // The optional "wav2vec2." lets one pool serve the heads (Wav2Vec2ForCtc, ...ForPreTraining) and the bare body.
    const string Layer = @"^(wav2vec2\.)?encoder\.layers\.\d+\.";

    /// <summary>docs/paper.md §2.2: in every encoder layer the q/k/v/out projections and both feed-forward Linears, weight and bias.</summary>
    public static PoolSpec Paper { get; } = new("paper",
    [
        Layer + @"attention\.q_proj\.(weight|bias)$",
        Layer + @"attention\.k_proj\.(weight|bias)$",
        Layer + @"attention\.v_proj\.(weight|bias)$",
        Layer + @"attention\.out_proj\.(weight|bias)$",
        Layer + @"feed_forward\.intermediate_dense\.(weight|bias)$",
        Layer + @"feed_forward\.output_dense\.(weight|bias)$",
    ]);

    /// <summary>The paper's six Linears without their biases (BERT-Ticket style ablation).</summary>
    public static PoolSpec WeightsOnly { get; } = new("weights-only",
        [Layer + @"(attention\.(q|k|v|out)_proj|feed_forward\.(intermediate|output)_dense)\.weight$"]);

    /// <summary>The paper's pool plus the feature projection Linear (512 → D), weight and bias.</summary>
    public static PoolSpec PaperWithFeatureProjection { get; } = Paper with
    {
        Name = "paper+feature-projection",
        Patterns = [.. Paper.Patterns, @"^(wav2vec2\.)?feature_projection\.projection\.(weight|bias)$"],
    };

    /// <summary>
    /// BERT's pool for E16 in BERT-Ticket style (Chen et al. 2020; docs/paper.md §9): in every encoder layer the weights of
    /// the query, key, value and attention-output Linears and of both feed-forward Linears, and the pooler's weight; no
    /// biases, embeddings or classifier. The optional "bert." serves the classifier and the bare model.
    /// </summary>
    public static PoolSpec BertTicket { get; } = new("bert-ticket",
    [
        @"^(bert\.)?encoder\.layer\.\d+\.(attention\.self\.(query|key|value)|attention\.output\.dense|intermediate\.dense|output\.dense)\.weight$",
        @"^(bert\.)?pooler\.dense\.weight$",
    ]);

    /// <summary>
    /// XLNet's pool for E16, the same kind as <see cref="BertTicket"/> (inferred, docs/paper.md §9): in every layer the
    /// attention's projections q, k, v, o and r (r, the relative positions' key projection, has no BERT counterpart and is
    /// a weight matrix like the others) and both feed-forward weights, and the sequence summary's weight (the pooler's
    /// counterpart); no biases (r_w, r_r, r_s included), segment or word embeddings, LayerNorms or logits_proj.
    /// </summary>
    public static PoolSpec XLNetTicket { get; } = new("xlnet-ticket",
    [
        @"^(transformer\.)?layer\.\d+\.(rel_attn\.(q|k|v|o|r)|ff\.layer_1\.weight|ff\.layer_2\.weight)$",
        @"^sequence_summary\.summary\.weight$",
    ]);

    /// <summary>A pool of the parameters matching any of <paramref name="patterns"/> (regular expressions, each must match something).</summary>
    public static PoolSpec Custom(string name, params string[] patterns)
    {
        if (patterns.Length == 0) throw new ArgumentException("a pool needs at least one pattern", nameof(patterns));
        foreach (var p in patterns)
        {
            try { _ = new Regex(p); }
            catch (ArgumentException e) { throw new ArgumentException($"pool '{name}': '{p}' is not a valid regular expression: {e.Message}", nameof(patterns)); }
        }
        return new PoolSpec(name, patterns);
    }
}
