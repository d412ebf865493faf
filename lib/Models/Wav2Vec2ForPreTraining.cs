using Parp.Runtime;
using TorchSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace Parp.Models;

/// <summary>Outputs of <see cref="Wav2Vec2ForPreTraining"/> (HF Wav2Vec2ForPreTrainingOutput plus the optional penalty).</summary>
public sealed record PreTrainingOutput(Tensor ProjectedStates, Tensor ProjectedQuantizedStates, Tensor CodevectorPerplexity,
    Tensor? Loss, Tensor? ContrastiveLoss, Tensor? DiversityLoss, Tensor? FeaturePenalty, Wav2Vec2Output Body);

/// <summary>
/// wav2vec 2.0 self-supervised objective (HF Wav2Vec2ForPreTraining): contrastive loss between projected context
/// vectors and quantized targets at masked frames, plus the codebook diversity loss. Set
/// <see cref="FeaturePenaltyWeight"/> (fairseq BASE: 10) to add fairseq's mean(CNN output²) penalty.
/// </summary>
public sealed class Wav2Vec2ForPreTraining : nn.Module
{
    readonly Wav2Vec2Model wav2vec2;
    readonly Dropout dropout_features;
    readonly GumbelVectorQuantizer quantizer;
    readonly Linear project_hid;
    readonly Linear project_q;

    public Wav2Vec2ForPreTraining(Wav2Vec2Config config) : base(nameof(Wav2Vec2ForPreTraining))
    {
        Config = config.Validate();
        wav2vec2 = new Wav2Vec2Model(config);
        dropout_features = nn.Dropout(config.FeatQuantizerDropout);
        quantizer = new GumbelVectorQuantizer(config);
        project_hid = nn.Linear(config.HiddenSize, config.ProjCodevectorDim);
        project_q = nn.Linear(config.CodevectorDim, config.ProjCodevectorDim);
        RegisterComponents();
        Initialization.InitPreTrainingHeads(this);
    }

    public Wav2Vec2Config Config { get; }
    public Wav2Vec2Model Wav2Vec2 => wav2vec2;
    public GumbelVectorQuantizer Quantizer => quantizer;
    public Linear ProjectHid => project_hid;
    public Linear ProjectQ => project_q;

    /// <summary>Weight of fairseq's feature penalty; 0 (HF) leaves it out of the loss.</summary>
    public double FeaturePenaltyWeight { get; set; }

    /// <summary>
    /// maskTimeIndices [B, T] bool and sampledNegativeIndices [B, T, K] (see <see cref="NegativeSampling"/>); without
    /// negatives no loss is computed. Loss = contrastive + diversity_loss_weight · diversity (+ w · penalty · N_masked).
    /// </summary>
    public PreTrainingOutput forward(Tensor inputValues, Tensor? attentionMask = null, Tensor? maskTimeIndices = null,
        Tensor? sampledNegativeIndices = null)
    {
        var mask = maskTimeIndices?.to_type(ScalarType.Bool);
        var body = wav2vec2.forward(inputValues, attentionMask, mask);
        using var scope = NewDisposeScope();
        var c = Config;
        var projected = project_hid.forward(body.LastHiddenState);
        var (quantized, perplexity) = quantizer.forward(dropout_features.forward(body.ExtractFeatures), mask);
        var projectedQ = project_q.forward(quantized.to(project_q.weight!.dtype));

        Tensor? loss = null, contrastive = null, diversity = null, penalty = null;
        if (sampledNegativeIndices is not null)
        {
            if (mask is null) throw new ArgumentException("sampled_negative_indices needs mask_time_indices");
            long b = projectedQ.shape[0], t = projectedQ.shape[1], h = projectedQ.shape[2];
            var negatives = projectedQ.view(-1, h)[sampledNegativeIndices.to_type(ScalarType.Int64).view(-1)]
                .view(b, t, -1, h).permute(2, 0, 1, 3);                                  // [K, B, T, H]
            var targets = cat([projectedQ.unsqueeze(0), negatives], 0);                   // [K+1, B, T, H]
            var logits = nn.functional.cosine_similarity(projected.to_type(ScalarType.Float32), targets.to_type(ScalarType.Float32), dim: -1)
                .type_as(targets).DividedBy(c.ContrastiveLogitsTemperature);
            // A negative equal to the positive (low codebook use) must not count as a distractor.
            var negIsPos = (projectedQ.unsqueeze(0) == negatives).all(-1);
            using var minusInfinity = double.NegativeInfinity.ToScalar();   // explicit and alive through the call (see Encoder)
            logits = cat([logits[..1], logits[1..].masked_fill(negIsPos, minusInfinity)], 0);
            var flat = logits.transpose(0, 2).reshape(-1, logits.shape[0]);              // [T·B, K+1]
            var target = mask.to_type(ScalarType.Int64).Subtracted(1L).Times(-100L).transpose(0, 1).flatten();   // -100: ignored
            contrastive = nn.functional.cross_entropy(flat.to_type(ScalarType.Float32), target, reduction: nn.Reduction.Sum);
            double numCodevectors = c.NumCodevectorsPerGroup * c.NumCodevectorGroups;
            var numMasked = mask.sum();
            diversity = perplexity.Subtracted(numCodevectors).DividedBy(numCodevectors) * numMasked;
            loss = contrastive.Plus(diversity.Times(c.DiversityLossWeight));
            if (FeaturePenaltyWeight > 0)
            {
                penalty = body.ConvFeatures.to_type(ScalarType.Float32).Power(2).mean();
                loss = loss.Plus(penalty.Times(FeaturePenaltyWeight) * numMasked);
            }
        }
        var output = new PreTrainingOutput(projected, projectedQ, perplexity, loss, contrastive, diversity, penalty, body);
        foreach (var x in new[] { projected, projectedQ, perplexity, loss, contrastive, diversity, penalty })
            if (x is not null) scope.MoveToOuter(x);
        return output;
    }

    public void FreezeFeatureEncoder() => wav2vec2.FreezeFeatureEncoder();
}
