namespace Parp.Training;

/// <summary>
/// The paper's fine-tuning runs (docs/paper.md §5.2–5.4), one per model × split, and the small scales. The paper ran 4 GPUs
/// with per-GPU max_tokens × update_freq; on one device the same effective batch comes from accumulating
/// update_freq × GPUs micro-batches of the same max_tokens (docs/paper.md §5.4, "Effective batch on one GPU"). "full" presets are the
/// dense baselines (body frozen for 10k updates; the paper used fp16, here float32 unless --bf16); "fixed" the
/// fixed-mask baselines (MPI, OMP, IMP final; LARGE-10h: "omp", "mpi"); "parp" and "parp-p" the pruning recipes
/// (no body freeze, float32); "imp-round" one IMP round.
/// </summary>
public static class FineTunePresets
{
    static FineTuneRecipe Paper(string name, int updates, double lr, double mask, double channel, double layerdrop,
        long maxTokens, int updateFreq, int freeze, double clip = 25, bool normalize = false) => new()
        {
            Name = name, MaxUpdates = updates, LearningRate = lr, MaskTimeProb = mask, MaskChannelProb = channel,
            Layerdrop = layerdrop, MaxTokens = maxTokens, UpdateFreq = updateFreq, FreezeFinetuneUpdates = freeze,
            ClipNorm = clip, NormalizeAudio = normalize,
        };

    /// <summary>Every preset by name.</summary>
    public static IReadOnlyDictionary<string, FineTuneRecipe> All { get; } = new Dictionary<string, FineTuneRecipe>
    {
        // BASE (docs/paper.md §5.2): layerdrop 0.05, 4 GPUs.
        ["base-10min-full"] = Paper("base-10min-full", 12_000, 5e-5, 0.75, 0.512, 0.05, 3_200_000, 8, 10_000),
        ["base-1h-full"] = Paper("base-1h-full", 15_000, 5e-5, 0.75, 0.256, 0.05, 2_000_000, 8, 10_000),
        ["base-10h-full"] = Paper("base-10h-full", 20_000, 5e-5, 0.65, 0.256, 0.05, 2_560_000, 8, 10_000),
        ["base-10min-parp"] = Paper("base-10min-parp", 12_000, 5e-5, 0.75, 0.512, 0.05, 3_200_000, 8, 0),
        ["base-1h-parp"] = Paper("base-1h-parp", 15_000, 5e-5, 0.75, 0.256, 0.05, 3_200_000, 8, 0),
        ["base-10h-parp"] = Paper("base-10h-parp", 20_000, 5e-5, 0.65, 0.256, 0.05, 3_200_000, 8, 0),
        ["base-imp-round"] = Paper("base-imp-round", 2_000, 1e-5, 0.75, 0.512, 0.05, 3_200_000, 8, 0),
        // Fixed-mask runs (MPI, OMP, IMP final): as Full, 3.2M × 2 × 4, float32.
        ["base-10min-fixed"] = Paper("base-10min-fixed", 12_000, 5e-5, 0.75, 0.512, 0.05, 3_200_000, 8, 10_000),
        ["base-1h-fixed"] = Paper("base-1h-fixed", 15_000, 5e-5, 0.75, 0.256, 0.05, 3_200_000, 8, 10_000),
        ["base-10h-fixed"] = Paper("base-10h-fixed", 20_000, 5e-5, 0.65, 0.256, 0.05, 3_200_000, 8, 10_000),
        // PARP-P: 1M × 12 × 2 GPUs (1500 s).
        ["base-10min-parp-p"] = Paper("base-10min-parp-p", 12_000, 5e-5, 0.75, 0.512, 0.05, 1_000_000, 24, 0),
        ["base-1h-parp-p"] = Paper("base-1h-parp-p", 15_000, 5e-5, 0.75, 0.256, 0.05, 1_000_000, 24, 0),
        ["base-10h-parp-p"] = Paper("base-10h-parp-p", 12_000, 5e-5, 0.65, 0.256, 0.05, 1_000_000, 24, 0),
        // LARGE LS-960 (docs/paper.md §5.3): layerdrop 0.1, max_tokens × update_freq per the table (1 GPU-equivalent product).
        ["large-10min-full"] = Paper("large-10min-full", 12_000, 5e-5, 0.75, 0.512, 0.1, 1_280_000, 20, 10_000),
        ["large-1h-full"] = Paper("large-1h-full", 15_000, 5e-5, 0.75, 0.256, 0.1, 1_280_000, 20, 10_000),
        ["large-10h-full"] = Paper("large-10h-full", 20_000, 1e-4, 0.65, 0.256, 0.1, 1_280_000, 20, 10_000),
        ["large-10min-parp"] = Paper("large-10min-parp", 12_000, 5e-5, 0.75, 0.512, 0.1, 600_000, 20, 0),
        ["large-1h-parp"] = Paper("large-1h-parp", 15_000, 5e-5, 0.75, 0.256, 0.1, 600_000, 20, 0),
        ["large-10h-parp"] = Paper("large-10h-parp", 12_000, 1e-4, 0.65, 0.256, 0.1, 600_000, 20, 0),
        ["large-10min-fixed"] = Paper("large-10min-fixed", 12_000, 5e-5, 0.75, 0.512, 0.1, 600_000, 20, 10_000),
        ["large-1h-fixed"] = Paper("large-1h-fixed", 15_000, 5e-5, 0.75, 0.256, 0.1, 600_000, 20, 10_000),
        ["large-10h-omp"] = Paper("large-10h-omp", 20_000, 1e-4, 0.65, 0.256, 0.1, 600_000, 20, 0),
        // The script says decay 50,000 in a 10,000-update run (docs/paper.md §11.8); 5,000 (10/40/50 %) is taken as meant.
        ["large-10h-mpi"] = Paper("large-10h-mpi", 10_000, 1e-4, 0.65, 0.256, 0.1, 600_000, 20, 0),
        ["large-10min-parp-p"] = Paper("large-10min-parp-p", 12_000, 5e-5, 0.75, 0.512, 0.1, 600_000, 20, 0),
        ["large-1h-parp-p"] = Paper("large-1h-parp-p", 10_000, 5e-5, 0.75, 0.256, 0.1, 500_000, 24, 0),
        ["large-10h-parp-p"] = Paper("large-10h-parp-p", 10_000, 1e-4, 0.65, 0.256, 0.1, 600_000, 20, 0),
        // XLSR-53 (docs/paper.md §5.4): CommonVoice 1h, input normalisation on, no clipping, layerdrop 0.1.
        ["xlsr-1h-full"] = Paper("xlsr-1h-full", 20_000, 1e-4, 0.75, 0.256, 0.1, 1_280_000, 20, 10_000, clip: 0, normalize: true),
        ["xlsr-1h-fixed"] = Paper("xlsr-1h-fixed", 20_000, 1e-4, 0.75, 0.256, 0.1, 1_280_000, 20, 10_000, clip: 0, normalize: true),
        ["xlsr-1h-parp"] = Paper("xlsr-1h-parp", 12_000, 1e-4, 0.75, 0.256, 0.1, 1_280_000, 20, 0, clip: 0, normalize: true),
        // Tiny (docs/environment.md §4): 1,200 updates of 16 utterances, Adam 5e-4 tri-stage, time mask 0.3,
        // channel mask 0.1 (span 10 over 256 channels), the model's dropouts 0.1, no body freeze, per-utterance normalised audio.
        ["tiny"] = new()
        {
            Name = "tiny", MaxUpdates = 1_200, LearningRate = 5e-4, MaskTimeProb = 0.3, MaskChannelProb = 0.1, MaskChannelLength = 10,
            Layerdrop = 0, Dropout = 0.1, AttentionDropout = 0.1, ActivationDropout = 0.1, MaxTokens = 16 * 16000 * 20,
            MaxBatchSize = 16, UpdateFreq = 1, FreezeFinetuneUpdates = 0, NormalizeAudio = true, ClipNorm = 25,
        },
        // Smoke: seconds on a CPU, the same code path; two micro-batches per update so accumulation is exercised.
        ["smoke"] = new()
        {
            Name = "smoke", MaxUpdates = 20, LearningRate = 1e-3, MaskTimeProb = 0.3, MaskChannelProb = 0.1, MaskChannelLength = 8,
            Layerdrop = 0.1, Dropout = 0.1, AttentionDropout = 0.1, ActivationDropout = 0.1, MaxTokens = 4 * 16000 * 6,
            MaxBatchSize = 4, UpdateFreq = 2, FreezeFinetuneUpdates = 5, NormalizeAudio = true, ClipNorm = 25,
        },
    };

    public static FineTuneRecipe Get(string name) => All.TryGetValue(name.ToLowerInvariant(), out var r) ? r
        : throw new ArgumentException($"unknown fine-tuning preset '{name}'; known: {string.Join(", ", All.Keys)}");
}
