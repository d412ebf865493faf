using Parp.Models.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Parp.Text;

/// <summary>
/// Loads and saves Hugging Face BERT folders (config.json + model.safetensors | sharded index | pytorch_model.bin, read
/// without executing pickles: <see cref="CheckpointFiles"/>). Keys may carry the <c>bert.</c> prefix or not; the legacy
/// LayerNorm names <c>gamma</c>/<c>beta</c> are read as <c>weight</c>/<c>bias</c>, as transformers reads them. Documented
/// cases: the pre-training heads (<c>cls.*</c>) and the position/token-type id buffers are dropped; a checkpoint without
/// a classifier (a pre-trained model) gets a fresh one for its new task, and one without a pooler (a masked-LM model,
/// as this project pre-trains its tiny one) a fresh pooler, as transformers does. Anything else missing, extra or mis-shaped is a
/// <see cref="CheckpointException"/> naming the file and the keys.
/// </summary>
public static class BertCheckpoint
{
    public static BertConfig ReadConfig(string folder) => Directory.Exists(folder)
        ? BertConfig.FromJsonFile(Path.Combine(folder, "config.json"))
        : throw new DirectoryNotFoundException($"checkpoint folder not found: {folder}");

    /// <summary>A sequence classifier from a folder; <paramref name="configure"/> may change the config (its labels, dropouts).</summary>
    public static BertForSequenceClassification LoadForSequenceClassification(string folder, Func<BertConfig, BertConfig>? configure = null,
        Device? device = null, string? format = null)
    {
        var config = ReadConfig(folder);
        if (configure is not null) config = configure(config).Validate(Path.Combine(folder, "config.json"));
        BertForSequenceClassification model;
        lock (Runtime.GlobalGenerator.Lock)      // a fresh classifier draws its weights from the global generator
            model = new BertForSequenceClassification(config);
        using (var raw = CheckpointFiles.Read(folder, format)) LoadInto(model, raw);
        if (device is not null) model.to(device);
        return model;
    }

    /// <summary>BERT's names: the <c>bert.</c> body, legacy gamma/beta, the pre-training heads and id buffers dropped; a
    /// new task's classifier, and a pooler for a masked-LM θ0, start fresh.</summary>
    public static TextCheckpointLayout Layout { get; } = new("bert.", ["cls.", "embeddings.position_ids", "embeddings.token_type_ids"],
        ["classifier.", "pooler."], LegacyLayerNormNames: true);

    /// <summary>Copies <paramref name="raw"/> into <paramref name="model"/> by key, checking names and shapes; returns the
    /// model's keys the checkpoint lacked (a new classifier).</summary>
    public static IReadOnlyList<string> LoadInto(nn.Module model, RawWeights raw) => TextCheckpoint.LoadInto(model, raw, Layout);

    /// <summary>Writes config.json and model.safetensors in the HF layout, each atomically.</summary>
    public static void Save(nn.Module model, string folder)
    {
        var (architecture, config) = model switch
        {
            BertForSequenceClassification m => ("BertForSequenceClassification", m.Config),
            BertModel m => ("BertModel", m.Config),
            BertForMaskedLM m => ("BertForMaskedLM", m.Config),
            _ => throw new ArgumentException($"{model.GetType().Name} is not a BERT model"),
        };
        TextCheckpoint.Save(model, config.ToJson(architecture), folder);
    }
}
