using Parp.Experiments.Methods;
using Parp.IO;
using Parp.Models;
using Parp.Training;

namespace Parp.Experiments;

/// <summary>
/// Where an experiment's runs happen at one scale, for one of the paper's two tracks: English letters (wav2vec 2.0 on
/// LibriSpeech, WER) or the ten CommonVoice languages' phones (XLSR-53, PER). It builds the runs; the runner runs them.
/// Use <see cref="English"/> or <see cref="Multilingual"/>; every budget is in <c>lib/Experiments/README.md</c>.
/// </summary>
/// <param name="Scale">smoke, tiny or paper.</param>
/// <param name="Source">θ0: the pre-trained model (a random preset at smoke scale).</param>
/// <param name="CorpusScale">A generated corpus scale (smoke, tiny), or a manifest folder relative to the repository
/// ("{lang}" is replaced by the language) in the fairseq layout that <c>parp-corpora</c> writes.</param>
/// <param name="Language">The language of single-language runs ("en", or a CommonVoice code).</param>
/// <param name="Languages">The track's languages: en, or the ten CommonVoice ones (docs/paper.md §3.9).</param>
/// <param name="TrainSplit">The labelled split fine-tuned on.</param>
/// <param name="EvalSplit">The split scored.</param>
/// <param name="FixedRecipe">Dense and fixed-mask runs (MPI, OMP, IMP final, random).</param>
/// <param name="ParpRecipe">PARP runs.</param>
/// <param name="ParpProgressiveRecipe">PARP-P runs.</param>
/// <param name="ImpRoundRecipe">One IMP round.</param>
/// <param name="Sparsities">The sparsities of the curves.</param>
/// <param name="ParpInterval">PARP's re-prune interval n (docs/paper.md §3.7).</param>
public sealed record ExperimentSetting(string Scale, ModelSource Source, string CorpusScale, string Language,
    IReadOnlyList<string> Languages, string TrainSplit, string EvalSplit, FineTuneRecipe FixedRecipe, FineTuneRecipe ParpRecipe,
    FineTuneRecipe ParpProgressiveRecipe, FineTuneRecipe ImpRoundRecipe, IReadOnlyList<double> Sparsities, int ParpInterval)
{
    /// <summary>The paper's ten CommonVoice languages (docs/paper.md §3.9) as the generated corpora name them.</summary>
    public static IReadOnlyList<string> CommonVoiceLanguages => ParameterRules.PhoneLanguages;

    public static IReadOnlyList<string> Scales => ParameterRules.Scales;

    /// <summary>
    /// The languages whose corpora notebook 01 makes by default: at tiny the two its experiments use (en, es), since each
    /// other language costs about a minute and a half of synthesis that nothing in the default hour reads; every language
    /// at smoke (seconds, and CI exercises them all).
    /// </summary>
    public static IReadOnlyList<string> CorpusLanguages(string scale) => scale == "tiny"
        ? [.. English(scale).Languages.Concat(Multilingual(scale).Languages).Distinct()]
        : ParameterRules.Languages;

    /// <summary>English 10min (letters): smoke, tiny (the shipped pre-trained model on generated speech), paper (BASE).</summary>
    public static ExperimentSetting English(string scale) => scale switch
    {
        "smoke" => Smoke("en", ["en"]),
        "tiny" => new("tiny", ModelSource.FromFolder(ShippedModels.TinyPretrained), "tiny", "en", ["en"], "10min", "test",
            TinyEnglish, TinyEnglish, TinyEnglish, TinyEnglish with { MaxUpdates = 25, LearningRate = TinyEnglish.LearningRate / 5 },
            [0.7], ParpInterval: 10),   // the default hour: one sparsity over three seeds; -p sparsities=0.5,0.7,0.9 for the curves
        "paper" => new("paper", ModelSource.FromFolder(Path.Combine(Repository.Root(), "models", "wav2vec2-base")),
            "manifests/librispeech", "en", ["en"], "train-10min-0", "test-clean",
            FineTunePresets.Get("base-10min-fixed"), FineTunePresets.Get("base-10min-parp"), FineTunePresets.Get("base-10min-parp-p"),
            FineTunePresets.Get("base-imp-round"), [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9], ParpInterval: 50),
        _ => throw UnknownScale(scale),
    };

    /// <summary>
    /// The CommonVoice languages' phones: smoke, tiny (the same shipped model, which was pre-trained on English and
    /// Spanish only, so the other nine languages are cross-lingual for it as for XLSR-53's low-resource ones), paper
    /// (XLSR-53 on CommonVoice 1h, docs/paper.md §5.4).
    /// </summary>
    public static ExperimentSetting Multilingual(string scale, string language = "es") => scale switch
    {
        "smoke" => Smoke(language, ["es", "fr"]),
        "tiny" => new("tiny", ModelSource.FromFolder(ShippedModels.TinyPretrained), "tiny", language, ["es"], "10min", "test",
            TinyPhones, TinyPhones, TinyPhones, TinyPhones with { MaxUpdates = 30, LearningRate = TinyPhones.LearningRate / 5 },
            [], ParpInterval: 20),      // the default hour prunes no phone run; -p sparsities=0.8 (08) and -p targets=es (07)
        "paper" => new("paper", ModelSource.FromFolder(Path.Combine(Repository.Root(), "models", "wav2vec2-xlsr-53")),
            "manifests/cv/{lang}", language, CommonVoiceLanguages, "train-1h", "test",
            FineTunePresets.Get("xlsr-1h-fixed"), FineTunePresets.Get("xlsr-1h-parp"), FineTunePresets.Get("xlsr-1h-parp") with { Name = "xlsr-1h-parp-p" },
            FineTunePresets.Get("xlsr-1h-parp") with { Name = "xlsr-imp-round", MaxUpdates = 2_000, LearningRate = 2e-5 },
            [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9], ParpInterval: 20),
        _ => throw UnknownScale(scale),
    };

    /// <summary>The tiny preset cut to the English CPU budget: 1,000 updates of 4 utterances, with which every seed leaves
    /// CTC's all-blank plateau (fewer updates leave some seeds on it; measured: lib/Experiments/README.md).</summary>
    public static FineTuneRecipe TinyEnglish { get; } = FineTunePresets.Get("tiny") with { MaxUpdates = 1_000, MaxBatchSize = 4 };

    /// <summary>The tiny preset cut to the phone track's CPU budget: 1,000 updates of 4 utterances, as English (Spanish
    /// phones need at least as many updates to leave the plateau with every seed; lib/Experiments/README.md).</summary>
    public static FineTuneRecipe TinyPhones { get; } = FineTunePresets.Get("tiny") with { MaxUpdates = 1_000, MaxBatchSize = 4 };

    static FineTuneRecipe SmokeRecipe { get; } =
        FineTunePresets.Get("smoke") with { MaxUpdates = 6, FreezeFinetuneUpdates = 0, MaxBatchSize = 2, UpdateFreq = 1 };

    // A random smoke model for 6 updates: seconds per run on a CPU; it shows the pipeline, its error rates are noise.
    static ExperimentSetting Smoke(string language, IReadOnlyList<string> languages) =>
        new("smoke", ModelSource.Random("smoke"), "smoke", language, languages, "10min", "test", SmokeRecipe, SmokeRecipe, SmokeRecipe,
            SmokeRecipe with { MaxUpdates = 2 }, [0.5, 0.9], ParpInterval: 2);

    static ArgumentException UnknownScale(string scale) => new($"scale '{scale}' is not one of {string.Join(", ", Scales)}");

    /// <summary>The sparsity of the cross-lingual transfer runs (E8, E11): 80 % as in the code (docs/paper.md §3.9).</summary>
    public double TransferSparsity => 0.8;

    /// <summary>
    /// The languages of the joint multilingual run (E12): all of the track's at paper scale, Spanish and French at smoke.
    /// None in tiny's default hour, which has no room for its runs; `-p languages=es,fr` makes one there (French, which the
    /// Tiny model never heard, leaves the all-blank plateau at the 1,000-update budget: lib/Experiments/README.md).
    /// </summary>
    public IReadOnlyList<string> JointLanguages => Scale switch { "paper" => Languages, "smoke" => ["es", "fr"], _ => [] };

    /// <summary>The target languages of the transfer runs (E11): every language at paper scale; Spanish at smoke; none in
    /// tiny's default hour (`-p targets=es` runs them).</summary>
    public IReadOnlyList<string> TransferTargets => Scale switch { "paper" => Languages, "smoke" => ["es"], _ => [] };

    /// <summary>The re-prune intervals of the ablation (E13), in updates, and its sparsity.</summary>
    public IReadOnlyList<int> AblationIntervals => Scale switch
    {
        "smoke" => [1, 2, 6],
        "tiny" => [ParpInterval],   // the default hour; -p intervals=2,10,50 for the ablation
        _ => [10, ParpInterval, 150, 500],
    };

    public double AblationSparsity => Sparsities[Sparsities.Count / 2];

    /// <summary>
    /// Where PARP-P (E6) starts for <paramref name="target"/>: the sparsity just below it among <paramref name="targets"/>
    /// or, at tiny, whose default hour has one sparsity, 0.2 below it (the step of the tiny grid 0.5 / 0.7 / 0.9); none
    /// otherwise.
    /// </summary>
    public double? ProgressiveFrom(double target, IEnumerable<double> targets)
    {
        var below = targets.Where(t => t < target - 1e-9).ToList();
        if (below.Count > 0) return below.Max();
        return Scale == "tiny" && target - 0.2 > 1e-9 ? Math.Round(target - 0.2, 2) : null;
    }

    /// <summary>
    /// The seeds of the paired comparisons (the premise, the main result, the recipe decomposition) when a notebook names
    /// none: at smoke and tiny three, this setting's seed and the first of 1, 2, 3 that differ from it, the fewest that
    /// give an interval; at paper scale this setting's seed alone (each run is GPU hours; `-p seeds=…` asks for more).
    /// </summary>
    public IReadOnlyList<int> PairedSeeds => Scale == "paper" ? [FixedRecipe.Seed]
        : [FixedRecipe.Seed, .. new[] { 1, 2, 3 }.Where(s => s != FixedRecipe.Seed).Take(2)];

    /// <summary>This setting for another language of its track.</summary>
    public ExperimentSetting For(string language) => this with { Language = language };

    /// <summary>With another fine-tuning seed in every recipe.</summary>
    public ExperimentSetting WithSeed(int seed) => this with
    {
        FixedRecipe = FixedRecipe with { Seed = seed }, ParpRecipe = ParpRecipe with { Seed = seed },
        ParpProgressiveRecipe = ParpProgressiveRecipe with { Seed = seed }, ImpRoundRecipe = ImpRoundRecipe with { Seed = seed },
    };

    /// <summary>
    /// The share of the dense and fixed-mask runs' updates during which the paper freezes the Transformer body: 10,000 of
    /// 12,000 at 10min (docs/paper.md §5.2, §11.9), while PARP and PARP-P train it from update 0.
    /// </summary>
    public const double PaperFreezeFraction = 10_000.0 / 12_000;

    /// <summary>The recipe style this setting was built with: "paper" at paper scale, "symmetric" at smoke and tiny.</summary>
    public string RecipeStyle => Scale == "paper" ? "paper" : "symmetric";

    /// <summary>
    /// This setting under a recipe style. "paper": the paper's asymmetry, the body of the dense and fixed-mask runs (full
    /// model, MPI, OMP, IMP's final run, random) frozen for <see cref="PaperFreezeFraction"/> of their updates, PARP's
    /// runs trained from update 0 (the paper scale's presets already are). "symmetric": every method on PARP's schedule,
    /// no freeze, so that PARP − MPI measures the re-prune mechanism alone. PARP's runs are the same under both.
    /// </summary>
    public ExperimentSetting WithRecipeStyle(string style) => style switch
    {
        _ when style == RecipeStyle => this,
        "paper" => this with { FixedRecipe = FixedRecipe with { FreezeFinetuneUpdates = (int)Math.Round(FixedRecipe.MaxUpdates * PaperFreezeFraction) } },
        "symmetric" => this with { FixedRecipe = ParpRecipe with { Name = FixedRecipe.Name + "-symmetric" } },
        _ => throw new ArgumentException($"recipe style '{style}': allowed: {string.Join(", ", ParameterRules.RecipeStyles)}"),
    };

    /// <summary>With bf16 matrix products on float32 weights (<see cref="FineTuneRecipe.MixedBf16"/>) in every recipe, or without.</summary>
    public ExperimentSetting WithMixedBf16(bool on) => this with
    {
        FixedRecipe = FixedRecipe with { MixedBf16 = on }, ParpRecipe = ParpRecipe with { MixedBf16 = on },
        ParpProgressiveRecipe = ParpProgressiveRecipe with { MixedBf16 = on }, ImpRoundRecipe = ImpRoundRecipe with { MixedBf16 = on },
    };

    RunConfig Make(PruningMethod method, double sparsity, FineTuneRecipe recipe, string? language = null) =>
        new RunConfig(method, sparsity, Source, recipe, CorpusScale, language ?? Language, TrainSplit, EvalSplit).Validate();

    /// <summary>The full model (E1); also OMP's θ_ft and IMP's θ_rw.</summary>
    public RunConfig Dense(string? language = null) => Make(new Dense(), 0, FixedRecipe, language);

    public RunConfig Mpi(double sparsity) => Make(new Mpi(), sparsity, FixedRecipe);

    public RunConfig Random(double sparsity) => Make(new RandomPruning(), sparsity, FixedRecipe);

    /// <summary>OMP with the mask of this language's dense run, or of <paramref name="maskLanguage"/>'s (fixed cross-lingual transfer).</summary>
    public RunConfig Omp(double sparsity, string? maskLanguage = null) => Make(new Omp(Dense(maskLanguage ?? Language)), sparsity, FixedRecipe);

    /// <summary>OMP with the mask of another dense run of the same pre-trained model (e.g. the English track's, for a
    /// Spanish target: transfer from another language and task).</summary>
    public RunConfig Omp(double sparsity, RunConfig maskFrom) => Make(new Omp(maskFrom), sparsity, FixedRecipe);

    /// <summary>PARP from another dense run's OMP mask.</summary>
    public RunConfig Parp(double sparsity, RunConfig maskFrom, int? interval = null) =>
        Make(new PruneAdjustReprune(interval ?? ParpInterval, maskFrom), sparsity, ParpRecipe);

    /// <summary>A pruned run of this language by its method's name (mpi, omp, imp, random, parp), as the mask explorer
    /// picks them.</summary>
    public RunConfig Pruned(string method, double sparsity) => method switch
    {
        "mpi" => Mpi(sparsity),
        "omp" => Omp(sparsity),
        "imp" => Imp(sparsity),
        "random" => Random(sparsity),
        "parp" => Parp(sparsity),
        _ => throw new ArgumentException($"method '{method}': allowed: {string.Join(", ", ParameterRules.PrunedMethods)}"),
    };

    /// <summary>The final fixed-mask fine-tune of IMP's round 10·s mask (the chain rewinds to this language's dense run).</summary>
    public RunConfig Imp(double sparsity) => Make(new Imp(Dense(), ImpRoundRecipe), sparsity, FixedRecipe);

    /// <summary>PARP from the MPI mask, or from <paramref name="maskLanguage"/>'s OMP mask (cross-lingual, docs/paper.md §3.9 b).</summary>
    public RunConfig Parp(double sparsity, string? maskLanguage = null, int? interval = null) =>
        Make(new PruneAdjustReprune(interval ?? ParpInterval, maskLanguage is null ? null : Dense(maskLanguage)), sparsity, ParpRecipe);

    /// <summary>PARP-P from the MPI mask at <paramref name="start"/> to <paramref name="sparsity"/>.</summary>
    public RunConfig ParpProgressive(double start, double sparsity) =>
        Make(new ProgressivePruneAdjustReprune(start, ParpInterval), sparsity, ParpProgressiveRecipe);

    /// <summary>The joint multilingual PARP run over <paramref name="languages"/> from the language-independent MPI mask (docs/paper.md §3.10).</summary>
    public RunConfig JointParp(double sparsity, IReadOnlyList<string> languages) =>
        Make(new PruneAdjustReprune(ParpInterval), sparsity, ParpRecipe, string.Join('+', languages));
}
