using Parp.Runtime;
using TorchSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace Parp.Models;

/// <summary>Logits [B, T, vocab], the CTC loss when labels were given, and the body's outputs.</summary>
public sealed record CtcOutput(Tensor Logits, Tensor? Loss, Wav2Vec2Output Body);

/// <summary>wav2vec2 with a linear CTC head (HF Wav2Vec2ForCTC). Parameter names equal HF's state-dict keys.</summary>
public sealed class Wav2Vec2ForCtc : nn.Module
{
    readonly Wav2Vec2Model wav2vec2;
    readonly Dropout dropout;
    readonly Linear lm_head;

    public Wav2Vec2ForCtc(Wav2Vec2Config config) : base(nameof(Wav2Vec2ForCtc))
    {
        Config = config.Validate();
        wav2vec2 = new Wav2Vec2Model(config);
        dropout = nn.Dropout(config.FinalDropout);
        lm_head = nn.Linear(config.HiddenSize, config.VocabSize);
        RegisterComponents();
        Initialization.InitLinear(lm_head, config.InitializerRange);
    }

    public Wav2Vec2Config Config { get; }
    public Wav2Vec2Model Wav2Vec2 => wav2vec2;
    public Linear LmHead => lm_head;

    /// <summary>
    /// inputValues [B, samples]; attentionMask [B, samples] or null; labels [B, L] int64 padded with -100 (HF) or null.
    /// The loss is HF's: log-softmax in float32, blank = pad_token_id, ctc_loss_reduction, ctc_zero_infinity.
    /// </summary>
    public CtcOutput forward(Tensor inputValues, Tensor? attentionMask = null, Tensor? labels = null, bool outputHiddenStates = false)
    {
        var body = wav2vec2.forward(inputValues, attentionMask, outputHiddenStates: outputHiddenStates);
        using var scope = NewDisposeScope();
        var logits = lm_head.forward(dropout.forward(body.LastHiddenState));
        Tensor? loss = labels is null ? null : CtcLoss(logits, inputValues, attentionMask, labels);
        scope.MoveToOuter(logits);
        if (loss is not null) scope.MoveToOuter(loss);
        return new CtcOutput(logits, loss, body);
    }

    Tensor CtcLoss(Tensor logits, Tensor inputValues, Tensor? attentionMask, Tensor labels)
    {
        if (labels.max().item<long>() >= Config.VocabSize)
            throw new ArgumentException($"labels contain {labels.max().item<long>()}, not below vocab_size {Config.VocabSize}");
        using var samples = inputValues.shape[1].ToScalar();
        var sampleLengths = attentionMask is null
            ? full([inputValues.shape[0]], samples, dtype: ScalarType.Int64, device: inputValues.device)
            : attentionMask.to_type(ScalarType.Int64).sum(-1);
        var inputLengths = FrameLengths.FromSamples(Config, sampleLengths);
        var labelMask = labels.ge(ScalarMath.Zero);
        var targetLengths = labelMask.sum(-1);
        var targets = labels.masked_select(labelMask);
        var logProbs = nn.functional.log_softmax(logits.to_type(ScalarType.Float32), -1).transpose(0, 1);
        var reduction = Config.CtcLossReduction == "sum" ? nn.Reduction.Sum : nn.Reduction.Mean;
        return nn.functional.ctc_loss(logProbs, targets, inputLengths, targetLengths, blank: Config.PadTokenId,
            reduction: reduction, zero_infinity: Config.CtcZeroInfinity);
    }

    public void FreezeFeatureEncoder() => wav2vec2.FreezeFeatureEncoder();
}
