using System.Text.Json;
using System.Text.Json.Nodes;
using Parp.Models;

namespace Parp.Text;

/// <summary>
/// Hugging Face's XLNetConfig, the fields XLNetModel and XLNetForSequenceClassification read when fine-tuning (E16,
/// docs/paper.md §9): bidirectional attention, no memory, no bi_data. Reading keeps every other field of config.json,
/// so a config saved here loads in transformers as it came. transformers' defaults are XLNet-large's; a checkpoint's
/// config.json names its own.
/// </summary>
public sealed record XLNetConfig
{
    public int VocabSize { get; init; } = 32000;
    public int DModel { get; init; } = 1024;
    public int NLayer { get; init; } = 24;
    public int NHead { get; init; } = 16;
    public int DInner { get; init; } = 4096;
    public string FfActivation { get; init; } = "gelu";
    /// <summary>"bi" (every token sees every other, as in fine-tuning); "uni" (causal) is not supported here.</summary>
    public string AttnType { get; init; } = "bi";
    public double InitializerRange { get; init; } = 0.02;
    public double LayerNormEps { get; init; } = 1e-12;
    public double Dropout { get; init; } = 0.1;
    /// <summary>Relative distances beyond it are clamped; −1: none.</summary>
    public int ClampLen { get; init; } = -1;
    public int PadTokenId { get; init; } = 5;
    /// <summary>The sequence summary: "last" (XLNet's: the final token, &lt;cls&gt;) or "first" or "mean".</summary>
    public string SummaryType { get; init; } = "last";
    public bool SummaryUseProj { get; init; } = true;
    /// <summary>"tanh" or null (none).</summary>
    public string? SummaryActivation { get; init; } = "tanh";
    public double SummaryFirstDropout { get; init; }
    public double SummaryLastDropout { get; init; } = 0.1;
    /// <summary>Classes of the sequence classifier (1: regression, as STS-B).</summary>
    public int NumLabels { get; init; } = 2;
    /// <summary>The rest of config.json, written back as it was read.</summary>
    public JsonObject Extra { get; init; } = [];

    /// <summary>Each head's width, d_model / n_head (transformers derives it and writes it as d_head).</summary>
    public int DHead => DModel / NHead;

    static readonly string[] Known =
    [
        "vocab_size", "d_model", "n_layer", "n_head", "d_head", "d_inner", "ff_activation", "attn_type", "initializer_range",
        "layer_norm_eps", "dropout", "clamp_len", "pad_token_id", "summary_type", "summary_use_proj", "summary_activation",
        "summary_first_dropout", "summary_last_dropout", "num_labels", "bi_data", "untie_r",
    ];

    /// <summary>Checks what would fail later or silently compute something else; <paramref name="source"/> names the file.</summary>
    public XLNetConfig Validate(string source = "XLNetConfig")
    {
        void Fail(string field, string why) => throw new ConfigException(source, field, why);
        if (NHead < 1 || DModel % NHead != 0) Fail("d_model", $"{DModel} is not a multiple of n_head {NHead}");
        if (DModel % 2 != 0) Fail("d_model", $"{DModel} is odd: the sinusoidal positions need pairs");
        if (!Activations.IsSupported(FfActivation)) Fail("ff_activation", $"'{FfActivation}' is not one of {Activations.Names}");
        if (AttnType != "bi") Fail("attn_type", $"'{AttnType}': only 'bi' (fine-tuning's) is supported");
        if (SummaryType is not ("last" or "first" or "mean")) Fail("summary_type", $"'{SummaryType}' is not one of last, first, mean");
        if (SummaryActivation is not (null or "tanh")) Fail("summary_activation", $"'{SummaryActivation}' is not tanh or null");
        if (NumLabels < 1) Fail("num_labels", $"{NumLabels} must be at least 1");
        foreach (var (field, value) in new[] { ("vocab_size", VocabSize), ("n_layer", NLayer), ("d_inner", DInner) })
            if (value < 1) Fail(field, $"{value} must be at least 1");
        return this;
    }

    public static XLNetConfig FromJsonFile(string path)
    {
        JsonObject o;
        try { o = JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw new ConfigException(path, "(root)", "is empty"); }
        catch (JsonException e) { throw new ConfigException(path, "(root)", $"is not valid JSON: {e.Message}"); }
        return FromJson(o, path);
    }

    public static XLNetConfig FromJson(JsonObject o, string source)
    {
        if (o["model_type"] is JsonValue type && type.ToString() != "xlnet")
            throw new ConfigException(source, "model_type", $"is '{type}', not 'xlnet'");
        T Get<T>(string name, T fallback) => ConfigField.Get(o, source, name, fallback);
        var d = new XLNetConfig();
        // Settings this model does not implement are refused rather than ignored.
        if (Get("bi_data", false)) throw new ConfigException(source, "bi_data", "is true: only the fine-tuning setting (false) is supported");
        if (!Get("untie_r", true)) throw new ConfigException(source, "untie_r", "is false: only per-layer biases (true, transformers' only layout) are supported");
        int labels = o["id2label"] is JsonObject id2label ? id2label.Count : Get("num_labels", d.NumLabels);
        var extra = new JsonObject();
        foreach (var (k, v) in o) if (!Known.Contains(k)) extra[k] = v?.DeepClone();
        var config = new XLNetConfig
        {
            VocabSize = Get("vocab_size", d.VocabSize), DModel = Get("d_model", d.DModel), NLayer = Get("n_layer", d.NLayer),
            NHead = Get("n_head", d.NHead), DInner = Get("d_inner", d.DInner), FfActivation = Get("ff_activation", d.FfActivation),
            AttnType = Get("attn_type", d.AttnType), InitializerRange = Get("initializer_range", d.InitializerRange),
            LayerNormEps = Get("layer_norm_eps", d.LayerNormEps), Dropout = Get("dropout", d.Dropout), ClampLen = Get("clamp_len", d.ClampLen),
            PadTokenId = Get("pad_token_id", d.PadTokenId), SummaryType = Get("summary_type", d.SummaryType),
            SummaryUseProj = Get("summary_use_proj", d.SummaryUseProj), SummaryActivation = o.ContainsKey("summary_activation") ? Get<string?>("summary_activation", null) : d.SummaryActivation,
            SummaryFirstDropout = Get("summary_first_dropout", 0.0), SummaryLastDropout = Get("summary_last_dropout", d.SummaryLastDropout),
            NumLabels = labels, Extra = extra,
        }.Validate(source);
        if (o["d_head"] is not null && Get("d_head", config.DHead) != config.DHead)
            throw new ConfigException(source, "d_head", $"is {Get("d_head", 0)}, but d_model / n_head is {config.DHead}");
        return config;
    }

    /// <summary>config.json as transformers writes it: the fields above in snake_case, then the rest as read.</summary>
    public JsonObject ToJson(string? architecture = null)
    {
        var o = new JsonObject
        {
            ["model_type"] = "xlnet", ["vocab_size"] = VocabSize, ["d_model"] = DModel, ["n_layer"] = NLayer, ["n_head"] = NHead,
            ["d_head"] = DHead, ["d_inner"] = DInner, ["ff_activation"] = FfActivation, ["attn_type"] = AttnType,
            ["untie_r"] = true, ["bi_data"] = false, ["initializer_range"] = InitializerRange, ["layer_norm_eps"] = LayerNormEps,
            ["dropout"] = Dropout, ["clamp_len"] = ClampLen, ["pad_token_id"] = PadTokenId, ["summary_type"] = SummaryType,
            ["summary_use_proj"] = SummaryUseProj, ["summary_activation"] = SummaryActivation,
            ["summary_last_dropout"] = SummaryLastDropout,
        };
        if (SummaryFirstDropout > 0) o["summary_first_dropout"] = SummaryFirstDropout;
        HfLabels.Write(o, Extra, NumLabels);
        if (architecture is not null) o["architectures"] = new JsonArray(architecture);
        return o;
    }
}
