using System.Text.Json;
using System.Text.Json.Nodes;
using Parp.Models;

namespace Parp.Text;

/// <summary>
/// Hugging Face's BertConfig, the fields BertModel and BertForSequenceClassification read (E16, docs/paper.md §9).
/// Reading keeps every other field of config.json, so a config saved here loads in transformers as it came.
/// </summary>
public sealed record BertConfig
{
    public int VocabSize { get; init; } = 30522;
    public int HiddenSize { get; init; } = 768;
    public int NumHiddenLayers { get; init; } = 12;
    public int NumAttentionHeads { get; init; } = 12;
    public int IntermediateSize { get; init; } = 3072;
    public string HiddenAct { get; init; } = "gelu";
    public double HiddenDropoutProb { get; init; } = 0.1;
    public double AttentionProbsDropoutProb { get; init; } = 0.1;
    public int MaxPositionEmbeddings { get; init; } = 512;
    public int TypeVocabSize { get; init; } = 2;
    public double InitializerRange { get; init; } = 0.02;
    public double LayerNormEps { get; init; } = 1e-12;
    public int PadTokenId { get; init; }
    /// <summary>The classifier's dropout; null: <see cref="HiddenDropoutProb"/>, as transformers.</summary>
    public double? ClassifierDropout { get; init; }
    /// <summary>Classes of the sequence classifier (1: regression, as STS-B).</summary>
    public int NumLabels { get; init; } = 2;
    /// <summary>The rest of config.json, written back as it was read.</summary>
    public JsonObject Extra { get; init; } = [];

    static readonly string[] Known =
    [
        "vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "hidden_act",
        "hidden_dropout_prob", "attention_probs_dropout_prob", "max_position_embeddings", "type_vocab_size",
        "initializer_range", "layer_norm_eps", "pad_token_id", "classifier_dropout", "num_labels",
    ];

    /// <summary>Checks what would fail later or silently compute something else; <paramref name="source"/> names the file.</summary>
    public BertConfig Validate(string source = "BertConfig")
    {
        void Fail(string field, string why) => throw new ConfigException(source, field, why);
        if (HiddenSize % NumAttentionHeads != 0) Fail("hidden_size", $"{HiddenSize} is not a multiple of num_attention_heads {NumAttentionHeads}");
        if (!Activations.IsSupported(HiddenAct)) Fail("hidden_act", $"'{HiddenAct}' is not one of {Activations.Names}");
        if (NumLabels < 1) Fail("num_labels", $"{NumLabels} must be at least 1");
        foreach (var (field, value) in new[] { ("vocab_size", VocabSize), ("num_hidden_layers", NumHiddenLayers), ("max_position_embeddings", MaxPositionEmbeddings), ("type_vocab_size", TypeVocabSize), ("intermediate_size", IntermediateSize) })
            if (value < 1) Fail(field, $"{value} must be at least 1");
        return this;
    }

    public static BertConfig FromJsonFile(string path)
    {
        JsonObject o;
        try { o = JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw new ConfigException(path, "(root)", "is empty"); }
        catch (JsonException e) { throw new ConfigException(path, "(root)", $"is not valid JSON: {e.Message}"); }
        return FromJson(o, path);
    }

    public static BertConfig FromJson(JsonObject o, string source)
    {
        if (o["model_type"] is JsonValue type && type.ToString() != "bert")
            throw new ConfigException(source, "model_type", $"is '{type}', not 'bert'");
        T Get<T>(string name, T fallback) => ConfigField.Get(o, source, name, fallback);
        var d = new BertConfig();
        // transformers derives num_labels from id2label when it is given.
        int labels = o["id2label"] is JsonObject id2label ? id2label.Count : Get("num_labels", d.NumLabels);
        var extra = new JsonObject();
        foreach (var (k, v) in o) if (!Known.Contains(k)) extra[k] = v?.DeepClone();
        return new BertConfig
        {
            VocabSize = Get("vocab_size", d.VocabSize), HiddenSize = Get("hidden_size", d.HiddenSize),
            NumHiddenLayers = Get("num_hidden_layers", d.NumHiddenLayers), NumAttentionHeads = Get("num_attention_heads", d.NumAttentionHeads),
            IntermediateSize = Get("intermediate_size", d.IntermediateSize), HiddenAct = Get("hidden_act", d.HiddenAct),
            HiddenDropoutProb = Get("hidden_dropout_prob", d.HiddenDropoutProb),
            AttentionProbsDropoutProb = Get("attention_probs_dropout_prob", d.AttentionProbsDropoutProb),
            MaxPositionEmbeddings = Get("max_position_embeddings", d.MaxPositionEmbeddings), TypeVocabSize = Get("type_vocab_size", d.TypeVocabSize),
            InitializerRange = Get("initializer_range", d.InitializerRange), LayerNormEps = Get("layer_norm_eps", d.LayerNormEps),
            PadTokenId = Get("pad_token_id", d.PadTokenId), ClassifierDropout = Get<double?>("classifier_dropout", null),
            NumLabels = labels, Extra = extra,
        }.Validate(source);
    }

    /// <summary>config.json as transformers writes it: the fields above in snake_case, then the rest as read.</summary>
    public JsonObject ToJson(string? architecture = null)
    {
        var o = new JsonObject
        {
            ["model_type"] = "bert", ["vocab_size"] = VocabSize, ["hidden_size"] = HiddenSize, ["num_hidden_layers"] = NumHiddenLayers,
            ["num_attention_heads"] = NumAttentionHeads, ["intermediate_size"] = IntermediateSize, ["hidden_act"] = HiddenAct,
            ["hidden_dropout_prob"] = HiddenDropoutProb, ["attention_probs_dropout_prob"] = AttentionProbsDropoutProb,
            ["max_position_embeddings"] = MaxPositionEmbeddings, ["type_vocab_size"] = TypeVocabSize,
            ["initializer_range"] = InitializerRange, ["layer_norm_eps"] = LayerNormEps, ["pad_token_id"] = PadTokenId,
            ["classifier_dropout"] = ClassifierDropout,
        };
        HfLabels.Write(o, Extra, NumLabels);
        if (architecture is not null) o["architectures"] = new JsonArray(architecture);
        return o;
    }
}

/// <summary>The label names and the rest of a transformers config.json, as the model configs here write them back.</summary>
static class HfLabels
{
    /// <summary>Adds to <paramref name="o"/> the label names read (in <paramref name="extra"/>) while their count is still
    /// the classifier's, transformers' defaults (LABEL_0, …) otherwise, then every other field of <paramref name="extra"/>.</summary>
    public static void Write(JsonObject o, JsonObject extra, int numLabels)
    {
        bool labelsFit = extra["id2label"] is JsonObject names && names.Count == numLabels;
        if (!labelsFit)
        {
            var ids = Enumerable.Range(0, numLabels).Select(i => (Id: i.ToString(System.Globalization.CultureInfo.InvariantCulture), Name: $"LABEL_{i}")).ToList();
            o["id2label"] = new JsonObject(ids.Select(x => KeyValuePair.Create(x.Id, (JsonNode?)x.Name)));
            o["label2id"] = new JsonObject(ids.Select((x, i) => KeyValuePair.Create(x.Name, (JsonNode?)i)));
        }
        foreach (var (k, v) in extra)
            if (!o.ContainsKey(k) && (labelsFit || k is not ("id2label" or "label2id"))) o[k] = v?.DeepClone();
    }
}
