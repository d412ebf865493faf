using Parp.Tests.Support;
using Parp.Text;
using static TorchSharp.torch;

namespace Parp.Tests.Text;

/// <summary>The GLUE recipe's schedule, and a tiny BERT that learns a task a classifier must learn (does a sentence hold
/// a given word?) from the recipe's loop, reproducibly.</summary>
[Collection(nameof(GlobalTorchRandom))]
public class GlueFineTuningTests
{
    [Fact]
    public void The_learning_rate_warms_up_then_decays_linearly_to_zero()
    {
        var recipe = new GlueRecipe { MaxUpdates = 100, LearningRate = 1e-3, WarmupFraction = 0.1 };
        Assert.Equal(1e-4, recipe.LearningRateAt(0), 12);          // update 1 of a 10-update warm-up
        Assert.Equal(1e-3, recipe.LearningRateAt(9), 12);          // the peak at the end of the warm-up
        Assert.Equal(1e-3 * 45 / 90, recipe.LearningRateAt(54), 12);
        Assert.Equal(0, recipe.LearningRateAt(99), 12);
    }

    [Fact]
    public void A_tiny_bert_learns_whether_a_sentence_holds_a_word_and_the_run_repeats()
    {
        using var dir = new TempDir();
        string[] words = ["the", "a", "cat", "runs", "fast", "slow", "red", "blue", "dog"];
        File.WriteAllLines(dir.File("vocab.txt"), ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", .. words]);
        var encoder = BertTextEncoder.FromVocabulary(dir.File("vocab.txt"), maxLength: 16);
        var rng = new Random(5);
        GlueExample Sentence()
        {
            var tokens = Enumerable.Range(0, rng.Next(3, 8)).Select(_ => words[rng.Next(words.Length - 1)]).ToList();
            bool dog = rng.Next(2) == 1;
            if (dog) tokens.Insert(rng.Next(tokens.Count + 1), "dog");
            return new GlueExample(string.Join(' ', tokens), null, dog ? 1 : 0);
        }
        var train = Enumerable.Range(0, 200).Select(_ => Sentence()).ToList();
        var test = Enumerable.Range(0, 100).Select(_ => Sentence()).ToList();
        var config = new BertConfig { VocabSize = 14, HiddenSize = 32, NumHiddenLayers = 2, NumAttentionHeads = 4, IntermediateSize = 64, MaxPositionEmbeddings = 16, NumLabels = 2 };
        var recipe = new GlueRecipe { MaxUpdates = 80, BatchSize = 16, LearningRate = 1e-3, Seed = 3 };

        List<double> Run(out Dictionary<string, double> scores)
        {
            manual_seed(11);
            using var model = new BertForSequenceClassification(config);
            var losses = GlueFineTuning.Train(model, encoder, GlueTask.Sst2, train, recipe, CPU);
            scores = GlueFineTuning.Evaluate(model, encoder, GlueTask.Sst2, test, CPU);
            return losses;
        }
        var losses = Run(out var scores);
        Assert.True(scores["accuracy"] >= 95, $"accuracy {scores["accuracy"]:F1} % after 80 updates");
        // From chance (ln 2 = 0.693) to well below it; dropout stays on while training.
        Assert.True(losses.TakeLast(10).Average() < 0.5, $"the loss did not fall: {losses.Take(10).Average():F3} to {losses.TakeLast(10).Average():F3}");
        Assert.Equal(losses, Run(out var again));                  // the same seeds give the same run
        Assert.Equal(scores, again);
        Assert.Throws<ArgumentException>(() => GlueFineTuning.Train(new BertForSequenceClassification(config with { NumLabels = 3 }), encoder, GlueTask.Sst2, train, recipe, CPU));
    }
}
