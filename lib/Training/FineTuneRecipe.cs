using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Parp.Models;

namespace Parp.Training;

/// <summary>
/// The CTC fine-tuning recipe (docs/paper.md §5): Adam (β 0.9/0.98, ε 1e-8, no weight decay), tri-stage learning rate,
/// CNN frozen, body frozen for the first <see cref="FreezeFinetuneUpdates"/>, SpecAugment-style time and channel
/// masks, layerdrop and dropouts set on the model config, gradient clipping, accumulation of
/// <see cref="UpdateFreq"/> micro-batches of at most <see cref="MaxTokens"/> samples (the effective batch in seconds
/// of audio is their product ÷ 16 kHz). CTC: blank 0, summed per utterance, <c>zero_infinity</c>, divided by the
/// update's utterance count (sentence_avg).
/// </summary>
public sealed record FineTuneRecipe
{
    public string Name { get; init; } = "custom";
    public int MaxUpdates { get; init; }
    public double LearningRate { get; init; }
    public double WarmupFraction { get; init; } = 0.1;
    public double HoldFraction { get; init; } = 0.4;
    public double DecayFraction { get; init; } = 0.5;
    public double InitLrScale { get; init; } = 0.01;
    public double FinalLrScale { get; init; } = 0.05;
    public double AdamBeta1 { get; init; } = 0.9;
    public double AdamBeta2 { get; init; } = 0.98;
    public double AdamEps { get; init; } = 1e-8;
    /// <summary>Updates during which only lm_head trains (the body runs without gradient). The schedule still counts them.</summary>
    public int FreezeFinetuneUpdates { get; init; }
    public double MaskTimeProb { get; init; } = 0.75;
    public int MaskTimeLength { get; init; } = 10;
    public int MaskTimeMinMasks { get; init; } = 2;
    public double MaskChannelProb { get; init; } = 0.512;
    public int MaskChannelLength { get; init; } = 64;
    public double Layerdrop { get; init; } = 0.05;
    public double Dropout { get; init; }
    public double AttentionDropout { get; init; }
    public double ActivationDropout { get; init; } = 0.1;
    public double FinalDropout { get; init; }
    /// <summary>Global gradient-norm clip (fairseq1.0 LibriSpeech 25; fairseq2.0 CommonVoice 0 = none).</summary>
    public double ClipNorm { get; init; } = 25;
    /// <summary>Samples per micro-batch (fairseq max_tokens).</summary>
    public long MaxTokens { get; init; } = 3_200_000;
    /// <summary>Utterances per micro-batch at most (the calibration's "batch 16").</summary>
    public int MaxBatchSize { get; init; } = int.MaxValue;
    /// <summary>Micro-batches per update (fairseq update_freq × GPUs).</summary>
    public int UpdateFreq { get; init; } = 1;
    /// <summary>The whole model in bfloat16 (TorchSharp has no autocast); the PARP runs are float32.</summary>
    public bool Bf16 { get; init; }
    /// <summary>
    /// Mixed precision: the body's matrix products in bfloat16 on float32 weights, gradients and Adam state
    /// (<see cref="Autocast"/>); evaluation stays float32. Fast only where the processor has bf16 instructions
    /// (<see cref="Runtime.TorchInfo"/>). Left out of the recipe's JSON when off, so float32 runs keep their cache keys.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool MixedBf16 { get; init; }
    /// <summary>Zero mean, unit variance per utterance: must match pre-training (off for BASE/LARGE, on for LV-60/XLSR).</summary>
    public bool NormalizeAudio { get; init; }
    /// <summary>
    /// Compute the frozen feature encoder once per utterance, unpadded, and reuse it (<see cref="FeatureCache"/>), where
    /// false runs it at every step over the padded batch as the paper's code does. For a group-norm encoder the two
    /// differ slightly (docs/PERFORMANCE.md).
    /// </summary>
    public bool CachedFeatures { get; init; } = true;
    /// <summary>The seed of everything random in a run (data order, masks, dropout, a fresh head).</summary>
    public int Seed { get; init; } = DefaultSeed;

    /// <summary>The official code's seed, the default of every run here.</summary>
    public const int DefaultSeed = 2337;

    /// <summary>The effective batch bound in seconds of 16 kHz audio.</summary>
    public double BatchSeconds => MaxTokens * (double)UpdateFreq / 16000;

    /// <summary>
    /// The same effective batch with micro-batches of at most <paramref name="maxTokens"/> samples (what fits a device's
    /// memory): update_freq becomes ⌈batch seconds · 16000 / max_tokens⌉, so the batch in seconds is kept or just exceeded.
    /// </summary>
    public FineTuneRecipe WithMicroBatch(long maxTokens) => maxTokens < 1
        ? throw new ArgumentOutOfRangeException(nameof(maxTokens), "max_tokens must be positive")
        : this with { MaxTokens = maxTokens, UpdateFreq = (int)Math.Ceiling(BatchSeconds * 16000 / maxTokens - 1e-9) };

    public TriStageSchedule Schedule() => new(LearningRate, (int)(MaxUpdates * WarmupFraction), (int)(MaxUpdates * HoldFraction),
        (int)(MaxUpdates * DecayFraction), InitLrScale, FinalLrScale);

    /// <summary>The model config with this recipe's masking, dropouts, layerdrop and CTC loss settings.</summary>
    public Wav2Vec2Config Configure(Wav2Vec2Config c, int vocabSize) => c with
    {
        VocabSize = vocabSize, PadTokenId = 0, CtcLossReduction = "sum", CtcZeroInfinity = true,
        MaskTimeProb = MaskTimeProb, MaskTimeLength = MaskTimeLength, MaskTimeMinMasks = MaskTimeMinMasks,
        MaskFeatureProb = MaskChannelProb, MaskFeatureLength = MaskChannelLength, MaskFeatureMinMasks = 0,
        Layerdrop = Layerdrop, HiddenDropout = Dropout, AttentionDropout = AttentionDropout,
        ActivationDropout = ActivationDropout, FinalDropout = FinalDropout,
        Architectures = ["Wav2Vec2ForCTC"],
    };

    /// <summary>Checks values that would silently train nothing or crash hours in.</summary>
    public FineTuneRecipe Validate()
    {
        void Fail(string why) => throw new ArgumentException($"fine-tuning recipe '{Name}': {why}");
        if (MaxUpdates < 1) Fail($"max updates {MaxUpdates} must be at least 1");
        if (!(LearningRate > 0)) Fail($"learning rate {LearningRate} must be positive");
        if (Math.Abs(WarmupFraction + HoldFraction + DecayFraction - 1) > 1e-9) Fail("warm-up, hold and decay fractions must add up to 1");
        if (UpdateFreq < 1 || MaxTokens < 1 || MaxBatchSize < 1) Fail("update_freq, max_tokens and batch size must be positive");
        if (FreezeFinetuneUpdates < 0) Fail("freeze_finetune_updates must not be negative");
        if (Bf16 && MixedBf16) Fail("bf16 (the whole model) and mixed bf16 exclude each other");
        return this;
    }

    public JsonObject ToJson() => JsonSerializer.SerializeToNode(this, JsonOptions)!.AsObject();
    public static FineTuneRecipe FromJson(string json) => JsonSerializer.Deserialize<FineTuneRecipe>(json, JsonOptions)
        ?? throw new ArgumentException("empty fine-tuning recipe");
    internal static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };
}
