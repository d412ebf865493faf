using System.Globalization;
using Parp.Runtime;
using Parp.Text;
using TorchSharp;
using static TorchSharp.torch;

/// <summary>
/// parp-train text-pretrain: the tiny text models of E16 pre-trained on Debian's fortune files: BERT with masked
/// language modelling (--model bert, the default) or XLNet with permutation language modelling (--model xlnet). Every
/// fortune the text tasks hold out for dev (FortuneTasks.IsDev) is left out of pre-training and scores it.
/// </summary>
static class TextModel
{
    public static void PreTrain(Options options, Device device, CancellationToken cancellation)
    {
        var outFolder = Path.GetFullPath(options.Require("out"));
        var family = options.Get("model") ?? "bert";
        if (family is not ("bert" or "xlnet")) throw new ArgumentException($"--model {family}: bert or xlnet");
        var from = options.Get("from") ?? Fortunes.DebianFolder;
        if (!Directory.Exists(from)) throw new DirectoryNotFoundException($"{from}: no fortune files (apt-get install fortunes)");
        var all = Directory.GetFiles(from).Where(f => !Path.HasExtension(f)).Order(StringComparer.Ordinal).SelectMany(Fortunes.Read)
            .Select(f => (f.Line, Dev: FortuneTasks.IsDev(f))).Where(f => f.Line.Length > 0).ToList();
        var texts = all.Where(f => !f.Dev).Select(f => f.Line).ToList();
        var held = all.Where(f => f.Dev).Select(f => f.Line).Take(2000).ToList();
        Directory.CreateDirectory(outFolder);
        var recipe = new TextPreTrainRecipe
        {
            MaxUpdates = options.Int("updates") ?? 3000, BatchSize = options.Int("batch") ?? 64, LearningRate = options.Double("lr") ?? 1e-3,
        };
        int vocabSize = options.Int("vocab-size") ?? 8000;
        // The objective of a model initialised at the recipe's seed; the untrained one scores the same held-out texts.
        Func<TextPreTrainingObjective> fresh;
        string vocabulary;
        if (family == "bert")
        {
            var vocabFile = Path.Combine(outFolder, "vocab.txt");
            if (!File.Exists(vocabFile)) WordPieceVocabulary.Write(WordPieceVocabulary.Build(texts, vocabSize), vocabFile);
            var config = TextPreTrainRecipe.TinyConfig(File.ReadAllLines(vocabFile).Count(l => l.Length > 0));
            fresh = () => new MaskedLanguageModelObjective(TextPreTraining.Fresh(() => new BertForMaskedLM(config), recipe.Seed), vocabFile, recipe.MaxLength);
            vocabulary = $"WordPiece vocabulary {config.VocabSize}";
        }
        else
        {
            var spiece = Path.Combine(outFolder, "spiece.model");
            if (!File.Exists(spiece)) SentencePieceVocabulary.Write(SentencePieceVocabulary.Build(texts, vocabSize), spiece);
            var config = TextPreTrainRecipe.TinyXLNetConfig(SentencePieceVocabulary.ReadPieces(spiece).Count);
            fresh = () => new PermutationLanguageModelObjective(TextPreTraining.Fresh(() => new XLNetLMHeadModel(config), recipe.Seed), spiece, recipe.MaxLength);
            vocabulary = $"SentencePiece vocabulary {config.VocabSize}";
        }
        Console.WriteLine($"text-pretrain {family}: {texts.Count} fortunes from {from} ({all.Count - texts.Count} held out), {vocabulary}, " +
                          $"{recipe.MaxUpdates} updates of {recipe.BatchSize} on {device.type}, into {outFolder}");
        var lines = new ThrottledProgress<string>(Console.WriteLine, TimeSpan.FromSeconds(30));
        var trained = fresh();
        using var model = trained.Model;
        TextPreTraining.Run(texts, trained, recipe, outFolder, device,
            new SynchronousProgress<TextPreTrainStep>(s => lines.Report(string.Create(CultureInfo.InvariantCulture,
                $"  update {s.Update}/{recipe.MaxUpdates}: loss {s.Loss:F3}, lr {s.LearningRate:E2}, {s.Seconds:F0} s"))), cancellation);
        lines.Flush();
        var (loss, accuracy) = TextPreTraining.Evaluate(trained, held, device);
        var untrained = fresh();
        using (untrained.Model)
        {
            untrained.Model.to(device);
            var (freshLoss, freshAccuracy) = TextPreTraining.Evaluate(untrained, held, device);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"held-out fortunes ({held.Count}): predicted-token loss {loss:F3} (untrained {freshLoss:F3}), accuracy {accuracy:F1} % (untrained {freshAccuracy:F1} %)"));
        }
        Console.WriteLine($"model: {TextPreTraining.ModelFolder(outFolder)}");
    }

    /// <summary>
    /// parp-train text-worth: what pre-training bought. The full model fine-tuned on each task of the scale from the
    /// given θ0 and from a random initialisation of the same shape (transformers' initialisation, the recipe's seed),
    /// through E16's run cache, and a table of the dev metric. --model: bert or xlnet (the scale's own), or a folder.
    /// </summary>
    public static void Worth(Options options, Device device, CancellationToken cancellation)
    {
        var chosen = options.Get("model") ?? "bert";
        bool byFamily = chosen is "bert" or "xlnet";
        var family = byFamily ? chosen : TextModels.FamilyOf(Path.GetFullPath(chosen));
        var setting = CrossTaskSetting.For(options.Get("scale") ?? "tiny", options.Int("seed"), family);
        setting = setting with
        {
            Recipe = setting.Recipe with { LearningRate = options.Double("lr") ?? setting.Recipe.LearningRate, MaxUpdates = options.Int("updates") ?? setting.Recipe.MaxUpdates },
            Tasks = options.Get("tasks")?.Split(',') ?? setting.Tasks,
        };
        var model = Path.GetFullPath(byFamily ? setting.Model : chosen);
        var random = Path.Combine(Parp.Experiments.ExperimentRunner.DefaultCache, $"random-init-{Path.GetFileName(model)}-{setting.Recipe.Seed}");
        if (!File.Exists(Path.Combine(random, "config.json"))) TextModels.SaveRandomInitialisation(model, setting.Recipe.Seed, random);
        var pretrained = setting with { Model = model };
        var scratch = setting with { Model = random };
        var runs = setting.Tasks.SelectMany(t => new[] { pretrained.Dense(t), scratch.Dense(t) }).ToList();
        var results = CrossTaskRuns.Run(runs, device, Parp.Experiments.ExperimentRunner.DefaultCache, new SynchronousProgress<string>(Console.WriteLine), cancellation);
        Console.WriteLine($"dense fine-tuning, {setting.Recipe.MaxUpdates} updates of {setting.Recipe.BatchSize}, seed {setting.Recipe.Seed}, dev split:");
        Console.WriteLine("| task | metric | from the pre-trained model | from random initialisation |");
        Console.WriteLine("| --- | --- | --- | --- |");
        for (int i = 0; i < results.Count; i += 2)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {results[i].Task} | {results[i].MetricName} | {results[i].Metric:F2} | {results[i + 1].Metric:F2} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"training seconds per run: {results.Where(r => !r.FromCache).Select(r => r.TrainSeconds).DefaultIfEmpty().Average():F1} (runs trained here)"));
    }
}
