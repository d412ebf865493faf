using System.Globalization;
using Parp.Runtime;
using Parp.Text;
using static TorchSharp.torch;

/// <summary>
/// parp-train text-pretrain: the tiny BERT of E16, pre-trained with masked language modelling on Debian's fortune files.
/// Every fortune the text tasks hold out for dev (FortuneTasks.IsDev) is left out of pre-training and scores it.
/// </summary>
static class TextModel
{
    public static void PreTrain(Options options, Device device, CancellationToken cancellation)
    {
        var outFolder = Path.GetFullPath(options.Require("out"));
        var from = options.Get("from") ?? Fortunes.DebianFolder;
        if (!Directory.Exists(from)) throw new DirectoryNotFoundException($"{from}: no fortune files (apt-get install fortunes)");
        var all = Directory.GetFiles(from).Where(f => !Path.HasExtension(f)).Order(StringComparer.Ordinal).SelectMany(Fortunes.Read)
            .Select(f => (f.Line, Dev: FortuneTasks.IsDev(f))).Where(f => f.Line.Length > 0).ToList();
        var texts = all.Where(f => !f.Dev).Select(f => f.Line).ToList();
        var held = all.Where(f => f.Dev).Select(f => f.Line).Take(2000).ToList();
        Directory.CreateDirectory(outFolder);
        var vocabFile = Path.Combine(outFolder, "vocab.txt");
        if (!File.Exists(vocabFile)) WordPieceVocabulary.Write(WordPieceVocabulary.Build(texts, options.Int("vocab-size") ?? 8000), vocabFile);
        var vocabulary = File.ReadAllLines(vocabFile).Where(l => l.Length > 0).ToList();
        var recipe = new TextPreTrainRecipe
        {
            MaxUpdates = options.Int("updates") ?? 3000, BatchSize = options.Int("batch") ?? 64, LearningRate = options.Double("lr") ?? 1e-3,
        };
        var config = TextPreTrainRecipe.TinyConfig(vocabulary.Count);
        Console.WriteLine($"text-pretrain: {texts.Count} fortunes from {from} ({all.Count - texts.Count} held out), vocabulary {vocabulary.Count}, " +
                          $"{recipe.MaxUpdates} updates of {recipe.BatchSize} on {device.type}, into {outFolder}");
        var lines = new ThrottledProgress<string>(Console.WriteLine, TimeSpan.FromSeconds(30));
        using var model = TextPreTraining.Run(texts, vocabFile, config, recipe, outFolder, device,
            new SynchronousProgress<TextPreTrainStep>(s => lines.Report(string.Create(CultureInfo.InvariantCulture,
                $"  update {s.Update}/{recipe.MaxUpdates}: loss {s.Loss:F3}, lr {s.LearningRate:E2}, {s.Seconds:F0} s"))), cancellation);
        lines.Flush();
        var encoder = BertTextEncoder.FromVocabulary(vocabFile, maxLength: recipe.MaxLength);
        var (loss, accuracy) = TextPreTraining.Evaluate(model, encoder, held, vocabulary, device);
        BertForMaskedLM fresh;
        lock (GlobalGenerator.Lock) { manual_seed(recipe.Seed); fresh = new BertForMaskedLM(config); }
        using (fresh)
        {
            var (freshLoss, freshAccuracy) = TextPreTraining.Evaluate(fresh, encoder, held, vocabulary, device);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"held-out fortunes ({held.Count}): masked-token loss {loss:F3} (untrained {freshLoss:F3}), accuracy {accuracy:F1} % (untrained {freshAccuracy:F1} %)"));
        }
        Console.WriteLine($"model: {TextPreTraining.ModelFolder(outFolder)}");
    }
}
