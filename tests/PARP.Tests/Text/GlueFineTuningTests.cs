using Parp.Pruning;
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

    // A task a classifier must learn: does a sentence hold "dog"? Its vocabulary, its encoder, 200 + 100 examples.
    sealed class DogTask : IDisposable
    {
        static readonly string[] Words = ["the", "a", "cat", "runs", "fast", "slow", "red", "blue", "dog"];
        readonly TempDir dir = new();
        public BertTextEncoder Encoder { get; }
        public List<GlueExample> Train { get; }
        public List<GlueExample> Test { get; }
        public BertConfig Config { get; } = new() { VocabSize = 14, HiddenSize = 32, NumHiddenLayers = 2, NumAttentionHeads = 4, IntermediateSize = 64, MaxPositionEmbeddings = 16, NumLabels = 2 };

        public DogTask()
        {
            File.WriteAllLines(dir.File("vocab.txt"), ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", .. Words]);
            Encoder = BertTextEncoder.FromVocabulary(dir.File("vocab.txt"), maxLength: 16);
            var rng = new Random(5);
            GlueExample Sentence()
            {
                var tokens = Enumerable.Range(0, rng.Next(3, 8)).Select(_ => Words[rng.Next(Words.Length - 1)]).ToList();
                bool dog = rng.Next(2) == 1;
                if (dog) tokens.Insert(rng.Next(tokens.Count + 1), "dog");
                return new GlueExample(string.Join(' ', tokens), null, dog ? 1 : 0);
            }
            Train = Enumerable.Range(0, 200).Select(_ => Sentence()).ToList();
            Test = Enumerable.Range(0, 100).Select(_ => Sentence()).ToList();
        }

        public void Dispose() => dir.Dispose();
    }

    [Fact]
    public void A_tiny_bert_learns_whether_a_sentence_holds_a_word_and_the_run_repeats()
    {
        using var task = new DogTask();
        var recipe = new GlueRecipe { MaxUpdates = 80, BatchSize = 16, LearningRate = 1e-3, Seed = 3 };

        List<double> Run(out Dictionary<string, double> scores)
        {
            manual_seed(11);
            using var model = new BertForSequenceClassification(task.Config);
            var losses = GlueFineTuning.Train(model, task.Encoder, GlueTask.Sst2, task.Train, recipe, CPU);
            scores = GlueFineTuning.Evaluate(model, task.Encoder, GlueTask.Sst2, task.Test, CPU);
            return losses;
        }
        var losses = Run(out var scores);
        Assert.True(scores["accuracy"] >= 95, $"accuracy {scores["accuracy"]:F1} % after 80 updates");
        // From chance (ln 2 = 0.693) to well below it; dropout stays on while training.
        Assert.True(losses.TakeLast(10).Average() < 0.5, $"the loss did not fall: {losses.Take(10).Average():F3} to {losses.TakeLast(10).Average():F3}");
        Assert.Equal(losses, Run(out var again));                  // the same seeds give the same run
        Assert.Equal(scores, again);
        Assert.Throws<ArgumentException>(() => GlueFineTuning.Train(new BertForSequenceClassification(task.Config with { NumLabels = 3 }), task.Encoder, GlueTask.Sst2, task.Train, recipe, CPU));
    }

    [Fact]
    public void A_fixed_mask_holds_through_the_glue_loop_and_parp_ends_on_the_target_with_a_mask_that_moved()
    {
        using var task = new DogTask();
        var recipe = new GlueRecipe { MaxUpdates = 40, BatchSize = 16, LearningRate = 1e-3, Seed = 3 };
        manual_seed(11);
        using var theta0 = new BertForSequenceClassification(task.Config);
        var state = theta0.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        BertForSequenceClassification Copy()
        {
            var model = new BertForSequenceClassification(task.Config);
            model.load_state_dict(state);
            return model;
        }

        // The fixed mask (MPI of θ0 at 0.5 over the BERT-Ticket pool): pruned weights stay exactly 0 after 40 updates.
        using (var model = Copy())
        using (var fixedMask = new FixedMaskCallback(PruningMethods.Mpi(theta0, 0.5, spec: PoolSpec.BertTicket), PoolSpec.BertTicket))
        {
            GlueFineTuning.Train(model, task.Encoder, GlueTask.Sst2, task.Train, recipe, CPU, callbacks: [fixedMask]);
            var pool = PrunablePool.Of(model, PoolSpec.BertTicket);
            Assert.Equal(fixedMask.Mask.PrunedCount(), pool.ZeroCount());
            using var zeros = Mask.OfNonZeros(pool, fixedMask.Mask.Info);
            foreach (var name in pool.Names) Assert.True(zeros[name].eq(fixedMask.Mask[name]).all().item<bool>(), $"{name}: a pruned weight moved");
            Assert.Equal(0.5, pool.MeasuredSparsity(), 3);
        }

        // PARP from the same mask, re-pruning every 10 updates: exactly the target at the end, and the mask moved.
        using (var model = Copy())
        using (var parp = new ParpCallback(PruningMethods.Mpi(theta0, 0.5, spec: PoolSpec.BertTicket), new ParpOptions(10), PoolSpec.BertTicket))
        {
            GlueFineTuning.Train(model, task.Encoder, GlueTask.Sst2, task.Train, recipe, CPU, callbacks: [parp]);
            var pool = PrunablePool.Of(model, PoolSpec.BertTicket);
            Assert.Equal(parp.InitialMask.PrunedCount(), parp.FinalMask.PrunedCount());
            Assert.Equal(parp.FinalMask.PrunedCount(), pool.ZeroCount());
            Assert.Equal([0, 10, 20, 30, 40], parp.History.Select(h => h.Update));   // the zeroing, three re-prunes, the final one
            Assert.True(parp.History[^1].Final);
            Assert.True(parp.History.Skip(1).Sum(h => h.Changed) > 0, "PARP's mask never moved in 40 updates at 1e-3");
        }
    }
}
