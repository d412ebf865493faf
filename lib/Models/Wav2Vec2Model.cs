using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Parp.Models;

/// <summary>Outputs of <see cref="Wav2Vec2Model"/>; names follow HF's Wav2Vec2BaseModelOutput.</summary>
/// <param name="LastHiddenState">[B, T, D] encoder output.</param>
/// <param name="ExtractFeatures">[B, T, C] layer-normed CNN features (the quantizer input).</param>
/// <param name="ConvFeatures">[B, T, C] CNN output before that LayerNorm (for fairseq's feature penalty).</param>
/// <param name="HiddenStates">When requested: the input of every layer, then the last layer's output (with stable layer norm, before the final LayerNorm, as transformers 5 records it).</param>
/// <param name="FrameMask">[B, T] bool, true = real frame; null without an attention mask.</param>
/// <param name="MaskTimeIndices">[B, T] bool time mask that was applied, or null.</param>
public sealed record Wav2Vec2Output(Tensor LastHiddenState, Tensor ExtractFeatures, Tensor ConvFeatures,
    IReadOnlyList<Tensor>? HiddenStates, Tensor? FrameMask, Tensor? MaskTimeIndices)
{
    /// <summary>Every tensor in this output, for moving them out of a dispose scope.</summary>
    public IEnumerable<Tensor> Tensors() =>
        new[] { LastHiddenState, ExtractFeatures, ConvFeatures, FrameMask, MaskTimeIndices }
            .Concat(HiddenStates ?? []).Where(t => t is not null).Distinct().Cast<Tensor>();
}

/// <summary>The bare wav2vec 2.0 body (HF Wav2Vec2Model): CNN → projection → span masking → Transformer.</summary>
public sealed class Wav2Vec2Model : nn.Module
{
    readonly FeatureEncoder feature_extractor;
    readonly FeatureProjection feature_projection;
    readonly Parameter? masked_spec_embed;
    readonly Encoder encoder;

    public Wav2Vec2Model(Wav2Vec2Config config) : base(nameof(Wav2Vec2Model))
    {
        Config = config.Validate();
        feature_extractor = new FeatureEncoder(config);
        feature_projection = new FeatureProjection(config);
        if (config.HasMaskedSpecEmbed) masked_spec_embed = new Parameter(empty(config.HiddenSize).uniform_(0, 1));
        encoder = new Encoder(config);
        RegisterComponents();
        Initialization.InitBody(this);
    }

    public Wav2Vec2Config Config { get; }
    public FeatureEncoder FeatureExtractor => feature_extractor;
    public FeatureProjection FeatureProjection => feature_projection;
    public Encoder Encoder => encoder;
    public Parameter? MaskedSpecEmbed => masked_spec_embed;

    /// <summary>Draws span masks, layerdrop and, on the CPU, dropout (<see cref="GeneratorDropout"/>); null uses the
    /// global generator (torch.manual_seed).</summary>
    public Generator? Generator
    {
        get => encoder.Generator;
        set
        {
            encoder.Generator = value;
            foreach (var module in modules())
            {
                if (module is GeneratorDropout d) d.Generator = value;
                if (module is Attention a) a.Generator = value;
            }
        }
    }

    /// <summary>
    /// inputValues [B, samples] float; attentionMask [B, samples] (1 = real sample) or null; maskTimeIndices [B, T]
    /// forces a time mask (pre-training; applied in eval too, as HF); otherwise SpecAugment masks are drawn in training.
    /// Runs in its own dispose scope: only the returned tensors survive.
    /// </summary>
    public Wav2Vec2Output forward(Tensor inputValues, Tensor? attentionMask = null, Tensor? maskTimeIndices = null,
        bool outputHiddenStates = false)
    {
        CheckInput(inputValues, attentionMask);
        using var scope = NewDisposeScope();
        var conv = Features(inputValues);
        var frameMask = attentionMask is null ? null : FrameLengths.FrameMask(Config, attentionMask, conv.shape[1]);
        var output = forwardFeatures(conv, frameMask, maskTimeIndices, outputHiddenStates);
        foreach (var t in output.Tensors()) scope.MoveToOuter(t);
        return output;
    }

    /// <summary>The CNN: [B, samples] → [B, frames, C], the features before the projection's LayerNorm (no gradient
    /// when the CNN is frozen).</summary>
    public Tensor Features(Tensor inputValues)
    {
        using ((IDisposable?)(feature_extractor.Frozen ? no_grad() : null))
            return feature_extractor.forward(inputValues).transpose(1, 2);
    }

    /// <summary>
    /// The body after the CNN, from its features <paramref name="conv"/> [B, frames, C] (from <see cref="Features"/>, or
    /// a cache of them) and <paramref name="frameMask"/> [B, frames] (true = real frame) or null. Runs in its own
    /// dispose scope: only the returned tensors survive.
    /// </summary>
    public Wav2Vec2Output forwardFeatures(Tensor conv, Tensor? frameMask, Tensor? maskTimeIndices = null, bool outputHiddenStates = false)
    {
        using var scope = NewDisposeScope();
        var (hidden, extract) = feature_projection.forward(conv);
        (hidden, var timeMask) = MaskHiddenStates(hidden, maskTimeIndices, frameMask);
        var enc = encoder.forward(hidden, frameMask, outputHiddenStates);
        var output = new Wav2Vec2Output(enc.LastHiddenState, extract, conv, enc.HiddenStates, frameMask, timeMask);
        foreach (var t in output.Tensors()) scope.MoveToOuter(t);
        return output;
    }

    // HF _mask_hidden_states: given time mask → masked_spec_embed; else SpecAugment time then channel masks, training only.
    (Tensor hidden, Tensor? timeMask) MaskHiddenStates(Tensor hidden, Tensor? maskTimeIndices, Tensor? frameMask)
    {
        var c = Config;
        if (!c.ApplySpecAugment) return (hidden, null);
        long b = hidden.shape[0], t = hidden.shape[1], d = hidden.shape[2];
        Tensor? timeMask = null;
        if (maskTimeIndices is not null)
        {
            if (maskTimeIndices.shape.Length != 2 || maskTimeIndices.shape[0] != b || maskTimeIndices.shape[1] != t)
                throw new ArgumentException($"mask_time_indices has shape [{string.Join(", ", maskTimeIndices.shape)}], expected [{b}, {t}]");
            timeMask = maskTimeIndices.to_type(ScalarType.Bool).to(hidden.device);
        }
        else if (c.MaskTimeProb > 0 && training)
        {
            var lengths = frameMask?.sum(-1).data<long>().ToArray();
            timeMask = SpanMasking.ComputeTensor(c.SpanMaskStyle, (int)b, (int)t, c.MaskTimeProb, c.MaskTimeLength,
                c.MaskTimeMinMasks, lengths, Generator, hidden.device);
        }
        if (timeMask is not null)
        {
            if (masked_spec_embed is null)
                throw new InvalidOperationException("time masking needs masked_spec_embed, which this config does not create (mask_time_prob and mask_feature_prob are 0)");
            hidden = where(timeMask.unsqueeze(-1), masked_spec_embed.to(hidden.dtype), hidden);
        }
        if (c.MaskFeatureProb > 0 && training)
        {
            var channelMask = SpanMasking.ComputeTensor(c.SpanMaskStyle, (int)b, (int)d, c.MaskFeatureProb, c.MaskFeatureLength,
                c.MaskFeatureMinMasks, null, Generator, hidden.device);
            using var zero = 0.0.ToScalar();   // explicit and alive through the call (see Encoder.Forward)
            hidden = hidden.masked_fill(channelMask.unsqueeze(1), zero);
        }
        return (hidden, timeMask);
    }

    void CheckInput(Tensor inputValues, Tensor? attentionMask)
    {
        if (inputValues.dim() != 2)
            throw new ArgumentException($"input_values must be [batch, samples]; got shape [{string.Join(", ", inputValues.shape)}]");
        FrameLengths.RequireOneFrame(Config, inputValues.shape[1]);
        if (attentionMask is not null && !attentionMask.shape.SequenceEqual(inputValues.shape))
            throw new ArgumentException($"attention_mask has shape [{string.Join(", ", attentionMask.shape)}] but input_values has [{string.Join(", ", inputValues.shape)}]");
    }

    /// <summary>Freezes the CNN (fairseq feature_grad_mult 0, HF freeze_feature_encoder).</summary>
    public void FreezeFeatureEncoder() => feature_extractor.Freeze();
}
