using System.Globalization;

namespace Parp.Data.Corpora;

/// <summary>What the targets of a generated corpus are.</summary>
public enum TargetKind { Letters, Phones }

/// <summary>
/// One language of the generated corpora: its espeak-ng voice, the voice variants used for training and the
/// ones held out for test, and how text is prepared for speaking and for the targets.
/// </summary>
public sealed record CorpusLanguage(string Code, string Voice, TargetKind Targets, string Script, string TextSource)
{
    /// <summary>espeak-ng voice variants: 10 for training, 2 held out (unseen "speakers" in test).</summary>
    public static readonly IReadOnlyList<string> TrainVariants = ["m1", "m2", "m3", "m4", "m5", "m6", "f1", "f2", "f3", "f4"];
    public static readonly IReadOnlyList<string> TestVariants = ["m7", "f5"];

    /// <summary>The paper's ten CommonVoice languages plus English (docs/paper.md §6, §9).</summary>
    public static readonly IReadOnlyList<CorpusLanguage> All =
    [
        new("en", "en-us", TargetKind.Letters, "Latin", "fortunes"),
        new("es", "es", TargetKind.Phones, "Latin", "gettext"),
        new("fr", "fr", TargetKind.Phones, "Latin", "gettext"),
        new("it", "it", TargetKind.Phones, "Latin", "gettext"),
        new("ky", "ky", TargetKind.Phones, "Cyrillic", "gettext"),
        new("nl", "nl", TargetKind.Phones, "Latin", "gettext"),
        new("ru", "ru", TargetKind.Phones, "Cyrillic", "gettext"),
        new("sv", "sv", TargetKind.Phones, "Latin", "gettext"),
        new("tr", "tr", TargetKind.Phones, "Latin", "gettext"),
        new("tt", "tt", TargetKind.Phones, "Cyrillic", "gettext"),
        // Mandarin: espeak-ng reads Hanzi under cmn as English, so the text is pinyin with tone digits.
        new("zh", "cmn-latn-pinyin", TargetKind.Phones, "Han", "gettext+unihan"),
    ];

    public static CorpusLanguage Get(string code) =>
        All.FirstOrDefault(l => l.Code == code)
        ?? throw new ArgumentException($"no generated corpus for language '{code}' (known: {string.Join(", ", All.Select(l => l.Code))})");

    /// <summary>English gets two accents of voices (en-us and en-gb), the others their one voice.</summary>
    public IReadOnlyList<string> BaseVoices => Code == "en" ? ["en-us", "en"] : [Voice];

    public CultureInfo Culture => Code switch
    {
        "zh" => CultureInfo.InvariantCulture,
        "en" => CultureInfo.InvariantCulture,
        _ => CultureInfo.GetCultureInfo(Code), // tr: dotted/dotless i lower-case correctly
    };

    /// <summary>Is this a letter of the language's script (words with other letters are not used)?</summary>
    public bool IsScriptLetter(char c) => Script switch
    {
        "Latin" => c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' || (c >= '\u00C0' && c <= '\u024F' && char.IsLetter(c) && c != '\u00D7' && c != '\u00F7'),
        "Cyrillic" => c >= '\u0400' && c <= '\u04FF' && char.IsLetter(c),
        "Han" => c >= '\u4E00' && c <= '\u9FFF',
        _ => false,
    };
}
