using System.Text.Json.Nodes;
using Parp.Data;
using Parp.Runtime;
using Parp.Tests.Support;
using Parp.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Parp.Tests.Text;

/// <summary>
/// XLNet's permutation pre-training: the query stream never sees the token it predicts nor any token after it in the
/// factorisation order, however many layers pass information along; the content stream is fine-tuning's; the
/// permutation mask and the labels are what transformers' collator builds; the LM head ties its decoder to the word
/// embeddings, learns, and saves as transformers lays XLNetLMHeadModel out.
/// </summary>
[Collection(nameof(GlobalTorchRandom))]
public class XLNetPreTrainingTests
{
    static XLNetConfig Tiny(int layers = 2) => new() { VocabSize = 40, DModel = 16, NLayer = layers, NHead = 2, DInner = 24, PadTokenId = 5 };

    static Tensor Row(long[] ids) => tensor(ids, 1, ids.Length);

    // Query i may not see token j when j does not come before i in the order; the token of order −1 (one not predicted)
    // is seen by all. As in transformers' inputs, no query has every key hidden (it would then read all of them).
    static Tensor PermutationMask(int[] order)
    {
        int t = order.Length;
        var mask = new bool[t * t];
        for (int i = 0; i < t; i++)
            for (int j = 0; j < t; j++)
                mask[i * t + j] = order[j] >= 0 && order[j] >= order[i];
        return tensor(mask, 1, t, t);
    }

    [Fact]
    public void The_query_stream_sees_only_the_tokens_before_it_in_the_factorisation_order()
    {
        using var model = new XLNetModel(Tiny(layers: 3));
        model.eval();
        int[] order = [-1, 4, 0, 6, 2, 1, 5, 3];
        long[] ids = [7, 9, 11, 13, 15, 17, 19, 21];
        using var perm = PermutationMask(order);
        Tensor QueryAt(long[] tokens, int i)
        {
            var (content, query) = model.TwoStream(Row(tokens), null, null, perm);
            using (content)
            using (query)
                return query[0, i].clone();
        }
        for (int i = 1; i < ids.Length; i++)
        {
            using var query = QueryAt(ids, i);
            // Every token at or after i in the order replaced (i's own included): i's query state does not move.
            var later = ids.Select((id, j) => order[j] >= order[i] ? (id + 1) % 40 : id).ToArray();
            using var unmoved = QueryAt(later, i);
            Assert.True(unmoved.allclose(query, rtol: 0, atol: 1e-6), $"the query at {i} saw a token it may not");
            // The token just before it replaced: it moves.
            var earlier = (long[])ids.Clone();
            earlier[Array.IndexOf(order, order[i] - 1)] += 3;
            using var moved = QueryAt(earlier, i);
            Assert.True((moved - query).abs().max().item<float>() > 1e-5, $"the query at {i} ignores what it may see");
        }
    }

    [Fact]
    public void With_nothing_hidden_the_content_stream_is_the_fine_tuning_forward_pass()
    {
        using var model = new XLNetModel(Tiny());
        model.eval();
        using var ids = tensor(new long[] { 5, 5, 7, 9, 4, 3, 8, 8, 12, 6, 4, 3 }, 2, 6);
        using var mask = tensor(new long[] { 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 }, 2, 6);
        using var types = tensor(new long[] { 3, 3, 0, 0, 0, 2, 0, 0, 1, 1, 1, 2 }, 2, 6);
        using var nothing = zeros(2, 6, 6, dtype: ScalarType.Bool);
        using var alone = model.forward(ids, mask, types);
        var (content, query) = model.TwoStream(ids, mask, types, nothing);
        using (content)
        using (query)
        {
            Assert.Equal(0.0, (content - alone.LastHiddenState).abs().max().item<float>(), 6);
            Assert.Equal([2L, 6, 16], query.shape);
        }
        using var wrong = zeros(2, 5, 5, dtype: ScalarType.Bool);
        Assert.Contains("[2, 6, 6]", Assert.Throws<ArgumentException>(() => model.TwoStream(ids, mask, types, wrong)).Message);
    }

    [Fact]
    public void The_permutation_mask_and_labels_are_transformers_spans_and_order()
    {
        const int t = 60, rows = 3;
        const long sep = 3, cls = 4, pad = 5, maskId = 6;
        var special = new HashSet<long> { sep, cls, pad };
        long predictedCount = 0, regularCount = 0;
        for (int seed = 0; seed < 20; seed++)
        {
            // Rows padded on the left, ending "<sep> <cls>", as XLNet's inputs.
            var random = new DeterministicRandom((ulong)seed + 100);
            var ids = new long[rows * t];
            var attention = new long[rows * t];
            for (int r = 0; r < rows; r++)
            {
                int padding = random.Next(0, 10);
                for (int p = 0; p < t; p++)
                {
                    int at = r * t + p;
                    (ids[at], attention[at]) = p < padding ? (pad, 0L) : (p == t - 2 ? sep : p == t - 1 ? cls : random.Next(7, 40), 1L);
                }
            }
            var (inputs, perm, labels) = PermutationLanguageModelling.Mask(ids, attention, t, special, maskId, new DeterministicRandom((ulong)seed));
            var again = PermutationLanguageModelling.Mask(ids, attention, t, special, maskId, new DeterministicRandom((ulong)seed));
            Assert.Equal(inputs, again.Inputs);
            Assert.Equal(perm, again.PermMask);
            bool Hidden(int r, int i, int j) => perm[(r * t + i) * t + j];
            for (int r = 0; r < rows; r++)
                for (int i = 0; i < t; i++)
                {
                    int at = r * t + i;
                    bool regular = attention[at] != 0 && !special.Contains(ids[at]);
                    bool predicted = labels[at] != BertForMaskedLM.Ignored;
                    regularCount += regular ? 1 : 0;
                    predictedCount += predicted ? 1 : 0;
                    Assert.True(!predicted || regular, "a special token or padding was predicted");
                    Assert.Equal(predicted ? ids[at] : BertForMaskedLM.Ignored, labels[at]);
                    Assert.Equal(predicted ? maskId : ids[at], inputs[at]);
                    Assert.Equal(predicted, Hidden(r, i, i));
                    for (int j = 0; j < t; j++)
                    {
                        bool jPredicted = labels[r * t + j] != BertForMaskedLM.Ignored;
                        if (!jPredicted) Assert.False(Hidden(r, i, j), "a token not predicted was hidden");
                        if (regular && !predicted) Assert.Equal(jPredicted, Hidden(r, i, j));   // sees no predicted token
                        if (predicted && jPredicted && i != j)
                        {
                            Assert.NotEqual(Hidden(r, i, j), Hidden(r, j, i));                  // a strict order
                            if (i < t / 2 && j >= t / 2) Assert.True(Hidden(r, i, j), "the second half came before the first");
                        }
                    }
                }
        }
        // Spans of 1–5 in contexts six times as long: a sixth of the tokens, less the special ones.
        Assert.InRange(predictedCount / (double)regularCount, 0.12, 0.21);
        Assert.Contains("even", Assert.Throws<ArgumentException>(() =>
            PermutationLanguageModelling.Mask(new long[7], new long[7], 7, special, maskId, new DeterministicRandom(1))).Message);
    }

    [Fact]
    public void The_lm_head_is_tied_learns_and_saves_as_transformers_lays_it_out()
    {
        using var dir = new TempDir();
        var config = Tiny();
        using var model = new XLNetLMHeadModel(config);
        var keys = model.state_dict().Keys.ToList();
        Assert.Contains("lm_loss.bias", keys);
        Assert.DoesNotContain("lm_loss.weight", keys);
        Assert.All(keys.Where(k => k != "lm_loss.bias"), k => Assert.StartsWith("transformer.", k));

        // One batch of rows "a b c d ... <sep> <cls>" built from a rule: each token is the one before it plus one.
        const int t = 12, rows = 8;
        var ids = new long[rows * t];
        for (int r = 0; r < rows; r++)
            for (int p = 0; p < t; p++)
                ids[r * t + p] = p == t - 2 ? 3 : p == t - 1 ? 4 : 7 + (r * 3 + p) % 30;
        var attention = Enumerable.Repeat(1L, ids.Length).ToArray();
        var (inputs, perm, labels) = PermutationLanguageModelling.Mask(ids, attention, t, new HashSet<long> { 3, 4, 5 }, 6, new DeterministicRandom(9));
        using var optimizer = optim.Adam(model.parameters(), lr: 1e-2);
        double first = 0, last = 0;
        for (int step = 0; step < 60; step++)
        {
            using var scope = NewDisposeScope();
            var (loss, logits, chosen) = model.PermutationLoss(tensor(inputs, rows, t), null, null, tensor(perm, rows, t, t), tensor(labels, rows, t));
            if (step == 0)
            {
                first = loss.item<float>();
                Assert.Equal(Math.Log(40), first, 0);                 // at initialisation: about uniform over the vocabulary
                Assert.Equal(new[] { chosen.shape[0], 40L }, logits.shape);
            }
            optimizer.zero_grad();
            loss.backward();
            if (step == 0)
            {
                var named = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
                Assert.True(named["transformer.mask_emb"].grad!.abs().sum().item<float>() > 0, "the query stream's input learns nothing");
            }
            optimizer.step();
            last = loss.item<float>();
        }
        Assert.True(last < first / 2, $"the loss went from {first:F3} to {last:F3}");

        XLNetCheckpoint.Save(model, dir.Path);
        var json = JsonNode.Parse(File.ReadAllText(dir.File("config.json")))!;
        Assert.Equal("XLNetLMHeadModel", (string)json["architectures"]![0]!);
        using var classifier = XLNetCheckpoint.LoadForSequenceClassification(dir.Path, c => c with { NumLabels = 2 });
        var body = classifier.Transformer.state_dict();
        foreach (var (name, weight) in model.Transformer.state_dict())
            Assert.True(body[name].eq(weight).all().item<bool>(), name);
    }

    [Fact]
    public void Permutation_pre_training_learns_the_language_and_a_stopped_run_resumes_to_the_same_weights()
    {
        using var dir = new TempDir();
        var texts = TextPreTrainingTests.Sentences(400, 1);
        var held = TextPreTrainingTests.Sentences(100, 2);
        SentencePieceVocabulary.Write(SentencePieceVocabulary.Build(texts, 80), dir.File("spiece.model"));
        var spiece = dir.File("spiece.model");
        var config = new XLNetConfig { VocabSize = SentencePieceVocabulary.ReadPieces(spiece).Count, DModel = 32, NLayer = 2, NHead = 4, DInner = 64 };
        var recipe = new TextPreTrainRecipe { MaxUpdates = 200, BatchSize = 16, MaxLength = 16, LearningRate = 3e-3, SaveEvery = 20, Seed = 5 };

        using var whole = TextPreTraining.Run(texts, spiece, config, recipe, dir.File("whole"), CPU);
        var (loss, accuracy) = TextPreTraining.Evaluate(new PermutationLanguageModelObjective(whole, spiece, 16), held, CPU);
        using var fresh = TextPreTraining.Fresh(() => new XLNetLMHeadModel(config), 5);
        var (freshLoss, _) = TextPreTraining.Evaluate(new PermutationLanguageModelObjective(fresh, spiece, 16), held, CPU);
        Assert.True(loss < freshLoss / 2, $"predicted-token loss {freshLoss:F2} before, {loss:F2} after 200 updates");
        Assert.True(accuracy > 40, $"predicted-token accuracy {accuracy:F1} %");

        // Stopped after update 50 (its last checkpoint is 40), then run again: the weights of the whole run.
        using var stop = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => TextPreTraining.Run(texts, spiece, config, recipe, dir.File("stopped"), CPU,
            new SynchronousProgress<TextPreTrainStep>(s => { if (s.Update == 50) stop.Cancel(); }), stop.Token));
        using var resumed = TextPreTraining.Run(texts, spiece, config, recipe, dir.File("stopped"), CPU);
        foreach (var (name, weight) in whole.state_dict())
            Assert.True(weight.eq(resumed.state_dict()[name]).all().item<bool>(), $"{name} differs after the resume");

        // The finished folder is transformers' XLNetLMHeadModel with its tokenizer, and E16 reads it as θ0.
        var folder = TextPreTraining.ModelFolder(dir.File("whole"));
        Assert.True(File.Exists(Path.Combine(folder, "spiece.model")));
        Assert.Equal("xlnet", TextModels.FamilyOf(folder));
        using var classifier = TextModels.LoadClassifier(folder, labels: 3);
        Assert.Equal(3, classifier.NumLabels);
    }
}
