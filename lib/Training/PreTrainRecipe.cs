using System.Text.Json;
using System.Text.Json.Nodes;
using Parp.Models;

namespace Parp.Training;

/// <summary>
/// wav2vec 2.0 self-supervised pre-training (docs/paper.md §8): contrastive loss over K negatives from the same utterance
/// plus 0.1 × diversity (and w × feature penalty), span masking (fairseq style), the Gumbel temperature annealed per
/// update, AdamW with linear warm-up then linear decay, utterances cropped to the batch's shortest and at most
/// <see cref="MaxSampleSize"/> samples. Gradients are normalised by the update's masked-frame count.
/// </summary>
public sealed record PreTrainRecipe
{
    public string Name { get; init; } = "custom";
    public int MaxUpdates { get; init; }
    public double LearningRate { get; init; }
    public double WarmupFraction { get; init; } = 0.08;
    public double AdamBeta1 { get; init; } = 0.9;
    public double AdamBeta2 { get; init; } = 0.98;
    public double AdamEps { get; init; } = 1e-6;
    public double WeightDecay { get; init; } = 0.01;
    public double GumbelMax { get; init; } = 2;
    public double GumbelMin { get; init; } = 0.5;
    /// <summary>Per-update decay γ; null: chosen so that <see cref="GumbelMin"/> is reached at the last update.</summary>
    public double? GumbelDecay { get; init; }
    public double MaskProb { get; init; } = 0.65;
    public int MaskLength { get; init; } = 10;
    public int MaskMinMasks { get; init; } = 2;
    /// <summary>Negatives per masked frame; null keeps the model config's num_negatives.</summary>
    public int? NumNegatives { get; init; }
    public double DiversityLossWeight { get; init; } = 0.1;
    public double FeaturePenaltyWeight { get; init; }
    public double Dropout { get; init; } = 0.1;
    public double AttentionDropout { get; init; } = 0.1;
    public double ActivationDropout { get; init; } = 0.0;
    public double FeatProjDropout { get; init; } = 0.1;
    public double FeatQuantizerDropout { get; init; } = 0.1;
    public double Layerdrop { get; init; } = 0.05;
    public double ClipNorm { get; init; }
    /// <summary>Crop length in samples (fairseq max_sample_size).</summary>
    public long MaxSampleSize { get; init; } = 250_000;
    public int MaxBatchSize { get; init; } = 32;
    /// <summary>Samples per micro-batch after cropping.</summary>
    public long MaxTokens { get; init; } = 1_400_000;
    public int UpdateFreq { get; init; } = 1;
    public bool Bf16 { get; init; }
    public bool NormalizeAudio { get; init; } = true;
    public int Seed { get; init; } = 1;

    public WarmupLinearSchedule Schedule() => new(LearningRate, (int)(MaxUpdates * WarmupFraction), MaxUpdates);

    public GumbelSchedule Gumbel() => GumbelDecay is double g ? new(GumbelMax, GumbelMin, g) : GumbelSchedule.Reaching(GumbelMax, GumbelMin, MaxUpdates);

    public Wav2Vec2Config Configure(Wav2Vec2Config c) => c with
    {
        MaskTimeProb = MaskProb, MaskTimeLength = MaskLength, MaskTimeMinMasks = MaskMinMasks, MaskFeatureProb = 0,
        NumNegatives = NumNegatives ?? c.NumNegatives, DiversityLossWeight = DiversityLossWeight,
        HiddenDropout = Dropout, AttentionDropout = AttentionDropout, ActivationDropout = ActivationDropout,
        FeatProjDropout = FeatProjDropout, FeatQuantizerDropout = FeatQuantizerDropout, Layerdrop = Layerdrop,
        Architectures = ["Wav2Vec2ForPreTraining"],
    };

    public PreTrainRecipe Validate()
    {
        void Fail(string why) => throw new ArgumentException($"pre-training recipe '{Name}': {why}");
        if (MaxUpdates < 1) Fail($"max updates {MaxUpdates} must be at least 1");
        if (!(LearningRate > 0)) Fail($"learning rate {LearningRate} must be positive");
        if (!(MaskProb > 0 && MaskProb <= 1)) Fail($"mask probability {MaskProb} must be in (0, 1]");
        if (MaxSampleSize < 1 || MaxTokens < MaxSampleSize) Fail("max_tokens must hold at least one crop of max_sample_size");
        if (!(GumbelMin > 0 && GumbelMax >= GumbelMin)) Fail("Gumbel temperatures must satisfy 0 < min ≤ max");
        return this;
    }

    public JsonObject ToJson() => JsonSerializer.SerializeToNode(this, FineTuneRecipe.JsonOptions)!.AsObject();

    // 2,300 updates of 32 utterances cropped to ≤ 5 s, AdamW 1e-3 (0.9/0.98, wd 0.01), 8% warm-up then linear decay,
    // Gumbel 2 → 0.5 over the run, span masks p 0.65 length 10, dropouts 0.1 (calibration: HF defaults, no layerdrop).
    static readonly PreTrainRecipe Tiny = new()
    {
        Name = "tiny", MaxUpdates = 2_300, LearningRate = 1e-3, WarmupFraction = 0.08, AdamEps = 1e-8, WeightDecay = 0.01,
        GumbelMax = 2, GumbelMin = 0.5, MaskProb = 0.65, MaskLength = 10, Dropout = 0.1, AttentionDropout = 0.1,
        ActivationDropout = 0.1, FeatProjDropout = 0.1, FeatQuantizerDropout = 0.0, Layerdrop = 0,
        MaxSampleSize = 80_000, MaxBatchSize = 32, MaxTokens = 32 * 80_000, ClipNorm = 0, NormalizeAudio = true,
    };

    /// <summary>Presets: the calibration recipe of the project's Tiny model (docs/environment.md §4), its second version
    /// (models/tiny-pretrained/README.md), a smoke run and fairseq's BASE.</summary>
    public static IReadOnlyDictionary<string, PreTrainRecipe> Presets { get; } = new Dictionary<string, PreTrainRecipe>
    {
        ["tiny"] = Tiny,
        // Tiny v2, for all eleven languages' pools (7.5 h): Tiny's recipe with twice the batch and 4,000 updates, about 3.5
        // times the audio v1 saw, sized to end inside one 10-minute GPU command at v1's measured 1,900 s of audio per second
        // (environment/gpu/run-tiny-v2-pretraining.sh): the checkpoint and the repository do not fit the device tool together.
        ["tiny-v2"] = Tiny with { Name = "tiny-v2", MaxUpdates = 4_000, MaxBatchSize = 64, MaxTokens = 64 * 80_000 },
        ["smoke"] = new()
        {
            Name = "smoke", MaxUpdates = 20, LearningRate = 1e-3, WarmupFraction = 0.1, GumbelMax = 2, GumbelMin = 0.5,
            MaskProb = 0.65, MaskLength = 10, Layerdrop = 0, MaxSampleSize = 32_000, MaxBatchSize = 4, MaxTokens = 4 * 32_000,
            UpdateFreq = 2, FeaturePenaltyWeight = 10, NormalizeAudio = true,
        },
        // fairseq wav2vec 2.0 BASE (docs/paper.md §8): for a user with a GPU cluster's patience; one device accumulates 64 GPUs' batches.
        ["base"] = new()
        {
            Name = "base", MaxUpdates = 400_000, LearningRate = 5e-4, WarmupFraction = 0.08, AdamEps = 1e-6, WeightDecay = 0.01,
            GumbelDecay = 0.999995, FeaturePenaltyWeight = 10, MaxSampleSize = 250_000, MaxTokens = 1_400_000, UpdateFreq = 64,
            MaxBatchSize = int.MaxValue, NormalizeAudio = false, Layerdrop = 0.05,
        },
    };

    public static PreTrainRecipe Get(string name) => Presets.TryGetValue(name.ToLowerInvariant(), out var r) ? r
        : throw new ArgumentException($"unknown pre-training preset '{name}'; known: {string.Join(", ", Presets.Keys)}");
}
