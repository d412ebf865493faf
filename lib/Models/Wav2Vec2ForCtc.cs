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
    readonly GeneratorDropout dropout;
    readonly Linear lm_head;

    public Wav2Vec2ForCtc(Wav2Vec2Config config) : base(nameof(Wav2Vec2ForCtc))
    {
        Config = config.Validate();
        wav2vec2 = new Wav2Vec2Model(config);
        dropout = new GeneratorDropout(config.FinalDropout);
        lm_head = nn.Linear(config.HiddenSize, config.VocabSize);
        RegisterComponents();
        Initialization.InitLinear(lm_head, config.InitializerRange);
    }

    public Wav2Vec2Config Config { get; }
    public Wav2Vec2Model Wav2Vec2 => wav2vec2;

    /// <summary>Draws span masks, layerdrop and (on the CPU) dropout, the head's too; null uses the global generator.</summary>
    public Generator? Generator
    {
        get => wav2vec2.Generator;
        set { wav2vec2.Generator = value; dropout.Generator = value; }
    }
    public Linear LmHead => lm_head;

    /// <summary>
    /// inputValues [B, samples]; attentionMask [B, samples] or null; labels [B, L] int64 padded with -100 (HF) or null.
    /// The loss is HF's: log-softmax in float32, blank = pad_token_id, ctc_loss_reduction, ctc_zero_infinity.
    /// </summary>
    public CtcOutput forward(Tensor inputValues, Tensor? attentionMask = null, Tensor? labels = null, bool outputHiddenStates = false) =>
        Head(wav2vec2.forward(inputValues, attentionMask, outputHiddenStates: outputHiddenStates), labels);

    /// <summary>As <see cref="forward"/>, from the CNN's features <paramref name="conv"/> [B, frames, C] and
    /// <paramref name="frameMask"/> [B, frames] or null (<see cref="Wav2Vec2Model.forwardFeatures"/>).</summary>
    public CtcOutput forwardFeatures(Tensor conv, Tensor? frameMask, Tensor? labels = null) =>
        Head(wav2vec2.forwardFeatures(conv, frameMask), labels);

    CtcOutput Head(Wav2Vec2Output body, Tensor? labels)
    {
        using var scope = NewDisposeScope();
        var logits = Autocast.Linear(lm_head, dropout.forward(body.LastHiddenState));
        Tensor? loss = labels is null ? null : CtcLoss(logits, body.FrameMask, labels);
        scope.MoveToOuter(logits);
        if (loss is not null) scope.MoveToOuter(loss);
        return new CtcOutput(logits, loss, body);
    }

    // Each utterance's frames: the real frames of the mask (its first FromSamples(length) frames), or all of them.
    Tensor CtcLoss(Tensor logits, Tensor? frameMask, Tensor labels)
    {
        if (labels.max().item<long>() >= Config.VocabSize)
            throw new ArgumentException($"labels contain {labels.max().item<long>()}, not below vocab_size {Config.VocabSize}");
        using var frames = logits.shape[1].ToScalar();
        var inputLengths = frameMask is null
            ? full([logits.shape[0]], frames, dtype: ScalarType.Int64, device: logits.device)
            : frameMask.to_type(ScalarType.Int64).sum(-1);
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
