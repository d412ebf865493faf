using System.Globalization;

namespace Parp.Experiments;

/// <summary>
/// What the notebooks' common parameters may be. The notebook host checks every <c>-p</c> value against these rules
/// before any notebook runs (it compiles this file, which needs nothing else of the library), so a typo stops the main
/// job at once with one line instead of an hour into it.
/// </summary>
public static class ParameterRules
{
    public static readonly IReadOnlyList<string> Scales = ["smoke", "tiny", "paper"];

    /// <summary>The pruned runs the mask explorer can pick by name.</summary>
    public static readonly IReadOnlyList<string> PrunedMethods = ["mpi", "omp", "imp", "random", "parp"];

    /// <summary>The recipe styles: the paper's (dense and fixed-mask bodies frozen at first, PARP's not) or one schedule for all.</summary>
    public static readonly IReadOnlyList<string> RecipeStyles = ["paper", "symmetric"];

    /// <summary>float32, or bf16 matrix products on float32 weights (lib/Training/README.md).</summary>
    public static readonly IReadOnlyList<string> Precisions = ["float32", "mixed-bf16"];

    /// <summary>The paper's ten CommonVoice languages (the phone track), as the generated corpora name them.</summary>
    public static readonly IReadOnlyList<string> PhoneLanguages = ["es", "fr", "it", "ky", "nl", "ru", "sv", "tr", "tt", "zh"];

    /// <summary>English (letters) and the phone track's languages: every language a corpus exists for.</summary>
    public static readonly IReadOnlyList<string> Languages = ["en", .. PhoneLanguages];

    /// <summary>
    /// Null when <paramref name="value"/> is allowed for the parameter <paramref name="name"/>; otherwise what is wrong
    /// and what is allowed, in a few words. The notebook's own default (<paramref name="declaredDefault"/>, such as ""
    /// for "the scale's own") is always allowed. Parameters without a rule here are only checked for their type.
    /// </summary>
    public static string? Problem(string name, string value, string? declaredDefault) => name switch
    {
        _ when value == declaredDefault => null,
        "scale" => Scales.Contains(value) ? null : $"allowed: {string.Join(", ", Scales)}",
        "device" => IsDevice(value) ? null : "allowed: auto, cpu, cuda or cuda:N",
        "first" or "second" => PrunedMethods.Contains(value) ? null : $"allowed: {string.Join(", ", PrunedMethods)}",
        "sparsity" => IsSparsity(value) ? null : "allowed: a sparsity in (0, 1) such as 0.5",
        "recipe" => RecipeStyles.Contains(value) ? null : $"allowed: {string.Join(", ", RecipeStyles)}",
        "seeds" => FirstBad(value, v => int.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)) is { } badSeed
            ? $"{Quote(badSeed)} is not a whole number; allowed: a comma-separated list of seeds such as 2337,1,2" : null,
        "precision" => Precisions.Contains(value) ? null : $"allowed: {string.Join(", ", Precisions)}",
        "sparsities" => FirstBad(value, IsSparsity) is { } bad
            ? $"{Quote(bad)} is not a sparsity in (0, 1); allowed: a comma-separated list such as 0.5,0.7" : null,
        "languages" or "targets" => FirstBad(value, Languages.Contains) is { } bad
            ? $"{Quote(bad)} is not a language here; allowed: a comma-separated list of {string.Join(", ", Languages)}" : null,
        "intervals" => FirstBad(value, v => int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1) is { } bad
            ? $"{Quote(bad)} is not a whole number of updates ≥ 1; allowed: a comma-separated list such as 2,10,50" : null,
        _ => null,
    };

    static bool IsSparsity(string v) => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && IsPrunedSparsity(s);

    /// <summary>The sparsities a pruned run may have: (0, 1); 0 is the dense run, 1 no model at all.</summary>
    public static bool IsPrunedSparsity(double s) => s is > 0 and < 1;

    static bool IsDevice(string v) =>
        v is "auto" or "cpu" or "cuda" || (v.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(v[5..], NumberStyles.None, CultureInfo.InvariantCulture, out _));

    // The first item of a comma-separated list that fails the rule (an empty list or item fails too).
    static string? FirstBad(string list, Func<string, bool> ok) =>
        list.Split(',').FirstOrDefault(item => !ok(item));

    static string Quote(string item) => item == "" ? "an empty item" : $"'{item}'";
}
