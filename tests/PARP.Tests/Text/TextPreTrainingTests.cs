using Parp.Data;
using Parp.Runtime;
using Parp.Tests.Support;
using Parp.Text;
using static TorchSharp.torch;

namespace Parp.Tests.Text;

/// <summary>
/// The tiny text model's making: a WordPiece vocabulary that spells every word of its corpus, BERT's masking
/// statistics, the masked-LM model with transformers' names and a tied decoder, pre-training that learns a language
/// with structure, and a stopped run that resumes to the weights of an uninterrupted one.
/// </summary>
[Collection(nameof(GlobalTorchRandom))]
public class TextPreTrainingTests
{
    // A language with structure to learn: "the red cat runs fast ." — colour and animal agree with the verb's adverb.
    internal static List<string> Sentences(int count, int seed)
    {
        var random = new DeterministicRandom((ulong)seed);
        string[] animals = ["cat", "dog", "bird", "fish"], colours = ["red", "blue", "green", "grey"], verbs = ["runs", "sleeps", "sings", "swims"];
        return Enumerable.Range(0, count).Select(_ =>
        {
            int a = random.Next(0, 4), c = random.Next(0, 4);
            return $"the {colours[c]} {animals[a]} {verbs[a]} {(c % 2 == 0 ? "slowly" : "quickly")} .";
        }).ToList();
    }

    static (string Vocab, List<string> Tokens) Vocabulary(TempDir dir, IEnumerable<string> texts, int size = 80)
    {
        var tokens = WordPieceVocabulary.Build(texts, size);
        WordPieceVocabulary.Write(tokens, dir.File("vocab.txt"));
        return (dir.File("vocab.txt"), tokens);
    }

    static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    static BertConfig Small(int vocabSize) => new() { VocabSize = vocabSize, HiddenSize = 32, NumHiddenLayers = 2, NumAttentionHeads = 4, IntermediateSize = 64, MaxPositionEmbeddings = 16 };

    [Fact]
    public void The_vocabulary_spells_every_word_of_its_corpus_and_keeps_frequent_words_whole()
    {
        using var dir = new TempDir();
        string[] texts = ["Café au lait, café noir!", "The cat's café.", "zebra"];
        var (vocab, tokens) = Vocabulary(dir, texts, size: 80);
        Assert.Equal(WordPieceVocabulary.Specials, tokens.Take(5));
        Assert.Contains("cafe", tokens);                    // lower case, accent stripped, twice: kept whole
        Assert.DoesNotContain("zebra", tokens);             // once: spelt
        Assert.Contains("##z", tokens);
        Assert.Equal(["the", "cat", "'", "s", "cafe", "."], WordPieceVocabulary.Words("The cat's café."));
        var encoder = BertTextEncoder.FromVocabulary(vocab);
        foreach (var text in texts)
            Assert.DoesNotContain(1, encoder.Encode(text).Ids);  // no [UNK]
        Assert.Throws<ArgumentException>(() => WordPieceVocabulary.Build(texts, 10));
    }

    [Fact]
    public void Masking_chooses_fifteen_percent_of_real_tokens_and_replaces_them_as_bert_does()
    {
        var random = new DeterministicRandom(3);
        int n = 200_000;
        var ids = Enumerable.Range(0, n).Select(i => i % 10 == 0 ? 2L : i % 10 == 9 ? 0L : 5 + i % 7).ToArray();   // [CLS] … padding
        var mask = ids.Select(i => i == 0 ? 0L : 1L).ToArray();
        var (inputs, labels) = MaskedLanguageModelling.Mask(ids, mask, new HashSet<long> { 0, 2, 3 }, 4, 30, random);
        int real = ids.Count(i => i >= 5), chosen = labels.Count(l => l != BertForMaskedLM.Ignored);
        Assert.InRange(chosen / (double)real, 0.145, 0.155);
        Assert.All(Enumerable.Range(0, n).Where(i => ids[i] < 5), i => Assert.Equal(BertForMaskedLM.Ignored, labels[i]));   // specials, padding
        var picked = Enumerable.Range(0, n).Where(i => labels[i] != BertForMaskedLM.Ignored).ToList();
        Assert.All(picked, i => Assert.Equal(ids[i], labels[i]));
        Assert.InRange(picked.Count(i => inputs[i] == 4) / (double)chosen, 0.79, 0.81);                     // [MASK]
        Assert.InRange(picked.Count(i => inputs[i] == ids[i]) / (double)chosen, 0.10, 0.12);               // kept (+ random hits)
        Assert.All(Enumerable.Range(0, n).Where(i => labels[i] == BertForMaskedLM.Ignored), i => Assert.Equal(ids[i], inputs[i]));
    }

    [Fact]
    public void The_masked_lm_has_transformers_names_a_tied_decoder_and_loads_as_a_classifier_body()
    {
        using var dir = new TempDir();
        manual_seed(1);
        using var model = new BertForMaskedLM(Small(40));
        var keys = model.state_dict().Keys.ToList();
        Assert.Contains("cls.predictions.bias", keys);
        Assert.Contains("cls.predictions.transform.dense.weight", keys);
        Assert.Contains("cls.predictions.transform.LayerNorm.weight", keys);
        Assert.DoesNotContain(keys, k => k.StartsWith("bert.pooler", StringComparison.Ordinal) || k.Contains("decoder"));
        using var ids = tensor(new long[] { 2, 7, 8, 9, 3 }, 1, 5);
        using (var logits = model.forward(ids))
        {
            Assert.Equal(new long[] { 1, 5, 40 }, logits.shape);
            // The loss at the predicted positions only is the loss over every position's logits.
            using var labels = tensor(new long[] { -100, 9, -100, 11, -100 }, 1, 5);
            model.eval();
            var (loss, selected, chosen) = model.MaskedLoss(ids, null, null, labels);
            using var full = model.Loss(model.forward(ids), labels);
            Assert.Equal(full.item<float>(), loss.item<float>(), 5);
            Assert.Equal(new long[] { 2, 40 }, selected.shape);
            Assert.Equal(new long[] { 9, 11 }, chosen.data<long>().ToArray());
        }
        // The decoder is the word embeddings (tied): no weight of its own, as transformers saves it.
        BertCheckpoint.Save(model, dir.File("mlm"));
        using var classifier = BertCheckpoint.LoadForSequenceClassification(dir.File("mlm"), c => c with { NumLabels = 2 });
        Assert.True(Same(model.state_dict()["bert.encoder.layer.1.output.dense.weight"], classifier.state_dict()["bert.encoder.layer.1.output.dense.weight"]));
    }

    [Fact]
    public void Pre_training_learns_the_language_and_a_stopped_run_resumes_to_the_same_weights()
    {
        using var dir = new TempDir();
        var texts = Sentences(400, 1);
        var held = Sentences(100, 2);
        var (vocab, tokens) = Vocabulary(dir, texts);
        var config = Small(tokens.Count);
        var recipe = new TextPreTrainRecipe { MaxUpdates = 200, BatchSize = 16, MaxLength = 16, LearningRate = 3e-3, SaveEvery = 20, Seed = 5 };
        var encoder = BertTextEncoder.FromVocabulary(vocab, maxLength: 16);

        using var whole = TextPreTraining.Run(texts, vocab, config, recipe, dir.File("whole"), CPU);
        var (loss, accuracy) = TextPreTraining.Evaluate(whole, encoder, held, tokens, CPU);
        manual_seed(5);
        using var fresh = new BertForMaskedLM(config);
        var (freshLoss, _) = TextPreTraining.Evaluate(fresh, encoder, held, tokens, CPU);
        Assert.True(loss < freshLoss / 2, $"masked-token loss {freshLoss:F2} before, {loss:F2} after 200 updates");
        Assert.True(accuracy > 50, $"masked-token accuracy {accuracy:F1} % (a guess among the 21 words: under 20 %)");

        // Stopped after update 50 (its last checkpoint is 40), then run again: the weights of the whole run.
        using var stop = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => TextPreTraining.Run(texts, vocab, config, recipe, dir.File("stopped"), CPU,
            new SynchronousProgress<TextPreTrainStep>(s => { if (s.Update == 50) stop.Cancel(); }), stop.Token));
        Assert.Equal(50, File.ReadLines(Path.Combine(dir.File("stopped"), "log.jsonl")).Count());
        using var resumed = TextPreTraining.Run(texts, vocab, config, recipe, dir.File("stopped"), CPU);
        Assert.Equal(200, File.ReadLines(Path.Combine(dir.File("stopped"), "log.jsonl")).Count());
        foreach (var (name, weight) in whole.state_dict())
            Assert.True(Same(weight, resumed.state_dict()[name]), $"{name} differs after the resume");
        Assert.Equal(File.ReadAllLines(Path.Combine(dir.File("whole"), "log.jsonl")).Select(l => l[..l.IndexOf("\"seconds\"")]),
            File.ReadAllLines(Path.Combine(dir.File("stopped"), "log.jsonl")).Select(l => l[..l.IndexOf("\"seconds\"")]));

        // A finished run is read back, not trained again.
        using var again = TextPreTraining.Run(texts, vocab, config, recipe, dir.File("whole"), CPU);
        foreach (var (name, weight) in whole.state_dict())
            Assert.True(Same(weight, again.state_dict()[name]), $"{name} differs when read back");
        Assert.True(File.Exists(Path.Combine(TextPreTraining.ModelFolder(dir.File("whole")), "vocab.txt")));
    }
}
