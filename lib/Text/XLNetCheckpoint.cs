using Parp.Models.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Parp.Text;

/// <summary>
/// Loads and saves Hugging Face XLNet folders as <see cref="BertCheckpoint"/> does BERT's (safetensors, shards or
/// <c>.bin</c> without executing pickles). Keys may carry the <c>transformer.</c> prefix or not. A pre-trained checkpoint
/// (XLNetLMHeadModel, as xlnet-base-cased ships) has its language-model head (<c>lm_loss.*</c>) dropped and gets a fresh
/// sequence summary and <c>logits_proj</c> for its new task, as transformers does.
/// </summary>
public static class XLNetCheckpoint
{
    /// <summary>XLNet's names: the <c>transformer.</c> body, the LM head dropped, the summary and classifier fresh for a new task.</summary>
    public static TextCheckpointLayout Layout { get; } = new("transformer.", ["lm_loss."], ["sequence_summary.", "logits_proj."], LegacyLayerNormNames: false);

    public static XLNetConfig ReadConfig(string folder) => Directory.Exists(folder)
        ? XLNetConfig.FromJsonFile(Path.Combine(folder, "config.json"))
        : throw new DirectoryNotFoundException($"checkpoint folder not found: {folder}");

    /// <summary>A sequence classifier from a folder; <paramref name="configure"/> may change the config (its labels, dropouts).</summary>
    public static XLNetForSequenceClassification LoadForSequenceClassification(string folder, Func<XLNetConfig, XLNetConfig>? configure = null,
        Device? device = null, string? format = null)
    {
        var config = ReadConfig(folder);
        if (configure is not null) config = configure(config).Validate(Path.Combine(folder, "config.json"));
        XLNetForSequenceClassification model;
        lock (Runtime.GlobalGenerator.Lock)      // a fresh head draws its weights from the global generator
            model = new XLNetForSequenceClassification(config);
        using (var raw = CheckpointFiles.Read(folder, format)) TextCheckpoint.LoadInto(model, raw, Layout);
        if (device is not null) model.to(device);
        return model;
    }

    /// <summary>Writes config.json and model.safetensors in the HF layout, each atomically (an LM head model without
    /// <c>lm_loss.weight</c>, which is the word embeddings, as transformers saves it).</summary>
    public static void Save(nn.Module model, string folder)
    {
        var (architecture, config) = model switch
        {
            XLNetForSequenceClassification m => ("XLNetForSequenceClassification", m.Config),
            XLNetLMHeadModel m => ("XLNetLMHeadModel", m.Config),
            XLNetModel m => ("XLNetModel", m.Config),
            _ => throw new ArgumentException($"{model.GetType().Name} is not an XLNet model"),
        };
        TextCheckpoint.Save(model, config.ToJson(architecture), folder);
    }
}
