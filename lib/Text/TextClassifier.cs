using Parp.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Parp.Text;

/// <summary>A sequence classifier the GLUE recipe trains and scores (BERT's, XLNet's): logits from a padded batch, the
/// loss transformers computes, and the dropouts that take a run's generator.</summary>
public abstract class TextClassifier(string name) : nn.Module(name)
{
    /// <summary>Classes of the classifier (1: regression, as STS-B).</summary>
    public abstract int NumLabels { get; }

    /// <summary>The logits [B, num_labels] of input ids, attention mask (1: a token) and token types, each [B, T].</summary>
    public abstract Tensor forward(Tensor inputIds, Tensor? attentionMask = null, Tensor? tokenTypeIds = null);

    /// <summary>The loss as transformers computes it: mean squared error for one label (labels float [B]), otherwise
    /// cross-entropy (labels int64 [B]).</summary>
    public Tensor Loss(Tensor logits, Tensor labels)
    {
        using var scope = NewDisposeScope();
        var loss = NumLabels == 1
            ? nn.functional.mse_loss(logits.squeeze(-1), labels.to(logits.dtype))
            : nn.functional.cross_entropy(logits.view(-1, NumLabels), labels.view(-1));
        return scope.MoveToOuter(loss);
    }

    /// <summary>Every dropout of the model, for the trainer to give them a run's generator.</summary>
    public IEnumerable<GeneratorDropout> Dropouts() => modules().OfType<GeneratorDropout>();
}

/// <summary>The model inputs of a batch of texts (one text or a pair each), as a checkpoint's tokenizer builds them.</summary>
public interface ITextEncoder
{
    /// <summary>Input ids, attention mask (1: a token) and token types, each [B, T] int64, padded as the model expects.</summary>
    (Tensor InputIds, Tensor AttentionMask, Tensor TokenTypeIds) Batch(IReadOnlyList<(string A, string? B)> texts);
}

/// <summary>Encoded rows cut and padded into batches, as the tokenizers here build them.</summary>
public static class TextBatches
{
    /// <summary>Cuts one text or a pair to <paramref name="room"/> tokens in all, as transformers' longest_first does:
    /// the longer loses its last token, the second on a tie.</summary>
    public static void TruncateLongestFirst(List<int> first, List<int>? second, int room)
    {
        while (first.Count + (second?.Count ?? 0) > room)
        {
            var longer = second is not null && second.Count >= first.Count ? second : first;
            longer.RemoveAt(longer.Count - 1);
        }
    }

    /// <summary>Rows of ids and token types as [B, T] tensors padded to the longest row (rounded up to a multiple of
    /// <paramref name="multipleOf"/>, as transformers' pad_to_multiple_of), on the right (BERT) or the left (XLNet): input
    /// ids (<paramref name="paddingId"/>), attention mask (1: a token) and token types (<paramref name="paddingType"/>).</summary>
    public static (Tensor InputIds, Tensor AttentionMask, Tensor TokenTypeIds) Pad(IReadOnlyList<(int[] Ids, int[] TokenTypes)> rows,
        int paddingId, int paddingType, bool onTheLeft, int multipleOf = 1)
    {
        if (rows.Count == 0) throw new ArgumentException("an empty batch");
        int width = (rows.Max(r => r.Ids.Length) + multipleOf - 1) / multipleOf * multipleOf;
        var ids = new long[rows.Count * width];
        var mask = new long[rows.Count * width];
        var types = new long[rows.Count * width];
        for (int i = 0; i < rows.Count; i++)
        {
            int start = onTheLeft ? width - rows[i].Ids.Length : 0;
            for (int j = 0; j < width; j++)
            {
                int k = j - start;
                bool real = k >= 0 && k < rows[i].Ids.Length;
                ids[i * width + j] = real ? rows[i].Ids[k] : paddingId;
                mask[i * width + j] = real ? 1 : 0;
                types[i * width + j] = real ? rows[i].TokenTypes[k] : paddingType;
            }
        }
        return (tensor(ids, rows.Count, width), tensor(mask, rows.Count, width), tensor(types, rows.Count, width));
    }
}

/// <summary>θ0's family (BERT or XLNet), read from its folder's config.json: how E16 loads it as a classifier, its
/// tokenizer, and its pool.</summary>
public static class TextModels
{
    /// <summary>"bert" or "xlnet", config.json's model_type; anything else is an error naming the file.</summary>
    public static string FamilyOf(string folder)
    {
        var file = Path.Combine(folder, "config.json");
        if (!File.Exists(file)) throw new FileNotFoundException($"{file}: no config.json, so no model here", file);
        var type = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(file))?["model_type"]?.ToString();
        return type is "bert" or "xlnet" ? type : throw new Models.ConfigException(file, "model_type", $"is '{type}': E16 runs bert or xlnet");
    }

    /// <summary>θ0 as a classifier of <paramref name="labels"/> classes (null: the checkpoint's own), on
    /// <paramref name="device"/>; a new head draws from the global generator.</summary>
    public static TextClassifier LoadClassifier(string folder, int? labels = null, Device? device = null) => FamilyOf(folder) == "xlnet"
        ? XLNetCheckpoint.LoadForSequenceClassification(folder, c => c with { NumLabels = labels ?? c.NumLabels }, device)
        : BertCheckpoint.LoadForSequenceClassification(folder, c => c with { NumLabels = labels ?? c.NumLabels }, device);

    /// <summary>The tokenizer file beside θ0: vocab.txt (BERT, uncased) or spiece.model (XLNet, cased).</summary>
    public static string TokenizerFile(string folder) => Path.Combine(folder, FamilyOf(folder) == "xlnet" ? "spiece.model" : "vocab.txt");

    /// <summary>The tokenizer beside θ0 (<see cref="TokenizerFile"/>).</summary>
    public static ITextEncoder Encoder(string folder, int maxLength) => FamilyOf(folder) == "xlnet"
        ? XLNetTextEncoder.FromModel(TokenizerFile(folder), maxLength: maxLength)
        : BertTextEncoder.FromVocabulary(TokenizerFile(folder), maxLength: maxLength);

    /// <summary>
    /// θ0's architecture, pre-training head included, with transformers' initialisation drawn at <paramref name="seed"/>
    /// in place of its weights, saved to <paramref name="to"/> beside a copy of its tokenizer: what pre-training is
    /// measured against. config.json is written last, so a folder with one is whole.
    /// </summary>
    public static void SaveRandomInitialisation(string folder, int seed, string to)
    {
        bool xlnet = FamilyOf(folder) == "xlnet";
        Directory.CreateDirectory(to);
        var tokenizer = TokenizerFile(folder);
        IO.AtomicFile.WriteVia(Path.Combine(to, Path.GetFileName(tokenizer)), tmp => File.Copy(tokenizer, tmp, overwrite: true));
        using var fresh = TextPreTraining.Fresh<nn.Module>(
            () => xlnet ? new XLNetLMHeadModel(XLNetCheckpoint.ReadConfig(folder)) : new BertForMaskedLM(BertCheckpoint.ReadConfig(folder)), seed);
        if (xlnet) XLNetCheckpoint.Save(fresh, to);
        else BertCheckpoint.Save(fresh, to);
    }

    /// <summary>The pruning pool of θ0's family (<see cref="Pruning.PoolSpec.BertTicket"/> or <see cref="Pruning.PoolSpec.XLNetTicket"/>).</summary>
    public static Pruning.PoolSpec Pool(string folder) => FamilyOf(folder) == "xlnet" ? Pruning.PoolSpec.XLNetTicket : Pruning.PoolSpec.BertTicket;
}
