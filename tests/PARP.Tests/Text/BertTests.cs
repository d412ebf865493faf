using System.Text.Json.Nodes;
using Parp.Models.Checkpoints;
using Parp.Tests.Support;
using Parp.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Parp.Tests.Text;

/// <summary>
/// BERT (E16) without transformers at hand: its state-dict keys are the checkpoints' own, one layer computes the
/// post-LayerNorm block written out by hand, padding changes nothing for real tokens, checkpoints round-trip (with the
/// legacy names and the heads transformers drops), and the loss is transformers'. The golden comparison with
/// transformers' outputs comes with fixtures made on a machine that has it.
/// </summary>
[Collection(nameof(GlobalTorchRandom))]
public class BertTests
{
    static BertConfig Tiny(int layers = 2, int labels = 3) => new()
    {
        VocabSize = 50, HiddenSize = 16, NumHiddenLayers = layers, NumAttentionHeads = 4, IntermediateSize = 24,
        MaxPositionEmbeddings = 20, TypeVocabSize = 2, NumLabels = labels, PadTokenId = 0,
    };

    static Tensor Ids(params long[][] rows) => tensor(rows.SelectMany(r => r).ToArray(), rows.Length, rows[0].Length);

    [Fact]
    public void The_state_dict_keys_are_transformers_own()
    {
        using var model = new BertForSequenceClassification(Tiny(layers: 1));
        string[] layer =
        [
            "attention.self.query.weight", "attention.self.query.bias", "attention.self.key.weight", "attention.self.key.bias",
            "attention.self.value.weight", "attention.self.value.bias", "attention.output.dense.weight", "attention.output.dense.bias",
            "attention.output.LayerNorm.weight", "attention.output.LayerNorm.bias", "intermediate.dense.weight", "intermediate.dense.bias",
            "output.dense.weight", "output.dense.bias", "output.LayerNorm.weight", "output.LayerNorm.bias",
        ];
        var expected = new[]
        {
            "bert.embeddings.word_embeddings.weight", "bert.embeddings.position_embeddings.weight", "bert.embeddings.token_type_embeddings.weight",
            "bert.embeddings.LayerNorm.weight", "bert.embeddings.LayerNorm.bias",
        }.Concat(layer.Select(k => "bert.encoder.layer.0." + k))
         .Concat(["bert.pooler.dense.weight", "bert.pooler.dense.bias", "classifier.weight", "classifier.bias"]);
        Assert.Equal(expected.Order(StringComparer.Ordinal), model.state_dict().Keys.Order(StringComparer.Ordinal));
        Assert.Equal(0.0, model.state_dict()["bert.embeddings.word_embeddings.weight"][0].abs().sum().item<float>());   // the padding row
    }

    [Fact]
    public void One_layer_is_the_post_layer_norm_block_written_out()
    {
        var c = Tiny(layers: 1);
        using var model = new BertModel(c);
        model.eval();
        var w = model.state_dict();
        using var ids = Ids([5, 7, 9, 11], [3, 4, 0, 0]);
        using var mask = tensor(new long[] { 1, 1, 1, 1, 1, 1, 0, 0 }, 2, 4);
        using var types = tensor(new long[] { 0, 0, 1, 1, 0, 1, 0, 0 }, 2, 4);
        using var outputs = model.forward(ids, mask, types);

        Tensor Linear(Tensor x, string name) => nn.functional.linear(x, w[name + ".weight"], w[name + ".bias"]);
        Tensor Norm(Tensor x, string name) => nn.functional.layer_norm(x, [c.HiddenSize], w[name + ".weight"], w[name + ".bias"], c.LayerNormEps);
        var x = Norm(w["embeddings.word_embeddings.weight"].index_select(0, ids.flatten()).view(2, 4, -1)
            + w["embeddings.position_embeddings.weight"][..4].unsqueeze(0)
            + w["embeddings.token_type_embeddings.weight"].index_select(0, types.flatten()).view(2, 4, -1), "embeddings.LayerNorm");
        const string l = "encoder.layer.0.";
        Tensor Heads(Tensor y) => y.view(2, 4, 4, 4).transpose(1, 2);
        // Scalars explicit and alive for the call (TorchSharp 0.107 can free an implicit one too early).
        using var scale = (1 / Math.Sqrt(4)).ToScalar();
        using var one = 1.0.ToScalar();
        using var minusLarge = (-1e9).ToScalar();
        var scores = Heads(Linear(x, l + "attention.self.query")).matmul(Heads(Linear(x, l + "attention.self.key")).transpose(-2, -1)).mul(scale);
        scores = scores.add(mask.to(float32).neg().add(one).mul(minusLarge).view(2, 1, 1, 4));   // transformers' additive mask
        var context = scores.softmax(-1).matmul(Heads(Linear(x, l + "attention.self.value"))).transpose(1, 2).reshape(2, 4, 16);
        var h = Norm(Linear(context, l + "attention.output.dense") + x, l + "attention.output.LayerNorm");
        var expected = Norm(Linear(nn.functional.gelu(Linear(h, l + "intermediate.dense")), l + "output.dense") + h, l + "output.LayerNorm");
        var pooled = Linear(expected.select(1, 0), "pooler.dense").tanh();

        Assert.True(outputs.LastHiddenState.allclose(expected, rtol: 1e-5, atol: 1e-5));
        Assert.True(outputs.PooledOutput!.allclose(pooled, rtol: 1e-5, atol: 1e-5));
    }

    [Fact]
    public void Padding_changes_nothing_for_the_real_tokens()
    {
        using var model = new BertForSequenceClassification(Tiny());
        model.eval();
        using var alone = model.forward(Ids([5, 7, 9]));
        using var padded = model.forward(Ids([5, 7, 9, 0, 0], [8, 8, 0, 0, 0]), tensor(new long[] { 1, 1, 1, 0, 0, 1, 1, 0, 0, 0 }, 2, 5));
        Assert.True(padded[0].allclose(alone[0], rtol: 1e-5, atol: 1e-6));
        Assert.Throws<ArgumentException>(() => model.forward(zeros(1, 21, dtype: int64)));   // more tokens than positions
    }

    [Fact]
    public void A_saved_model_loads_with_the_same_logits_and_config()
    {
        using var dir = new TempDir();
        var config = Tiny() with { Extra = new JsonObject { ["id2label"] = new JsonObject { ["0"] = "neg", ["1"] = "neu", ["2"] = "pos" }, ["tokenizer_class"] = "BertTokenizer" } };
        using var model = new BertForSequenceClassification(config);
        model.eval();
        BertCheckpoint.Save(model, dir.Path);
        using var back = BertCheckpoint.LoadForSequenceClassification(dir.Path);
        back.eval();
        using var ids = Ids([2, 3, 4, 5]);
        using var a = model.forward(ids);
        using var b = back.forward(ids);
        Assert.Equal(0.0, (a - b).abs().max().item<float>());
        var json = JsonNode.Parse(File.ReadAllText(dir.File("config.json")))!;
        Assert.Equal("pos", (string)json["id2label"]!["2"]!);
        Assert.Equal("BertTokenizer", (string)json["tokenizer_class"]!);
        Assert.Equal("BertForSequenceClassification", (string)json["architectures"]![0]!);
        Assert.Equal(3, back.Config.NumLabels);
    }

    [Fact]
    public void Legacy_names_and_pre_training_heads_load_and_a_new_task_gets_a_new_classifier()
    {
        using var dir = new TempDir();
        using var source = new BertForSequenceClassification(Tiny(labels: 2));
        source.eval();
        // As the original bert-base checkpoints: LayerNorm gamma/beta, the id buffers, MLM/NSP heads, no classifier.
        var state = new Dictionary<string, Tensor>();
        foreach (var (key, value) in source.state_dict().Where(kv => !kv.Key.StartsWith("classifier.")))
            state[key.Replace("LayerNorm.weight", "LayerNorm.gamma").Replace("LayerNorm.bias", "LayerNorm.beta")] = value;
        state["bert.embeddings.position_ids"] = arange(20, dtype: int64).unsqueeze(0);
        state["cls.predictions.bias"] = zeros(50);
        state["cls.seq_relationship.weight"] = zeros(2, 16);
        SafetensorsFile.Write(dir.File(CheckpointFiles.Safetensors), state);
        File.WriteAllText(dir.File("config.json"), Tiny(labels: 2).ToJson("BertForPreTraining").ToJsonString());

        using var model = BertCheckpoint.LoadForSequenceClassification(dir.Path, c => c with { NumLabels = 4 });
        model.eval();
        using var ids = Ids([2, 3, 4]);
        using var expected = source.Bert.forward(ids);
        using var got = model.Bert.forward(ids);
        Assert.True(got.PooledOutput!.allclose(expected.PooledOutput!));
        Assert.Equal([1L, 4L], model.forward(ids).shape);

        // A weight of the wrong shape is named.
        state["bert.pooler.dense.weight"] = zeros(16, 8);
        SafetensorsFile.Write(dir.File(CheckpointFiles.Safetensors), state);
        var error = Assert.Throws<CheckpointException>(() => BertCheckpoint.LoadForSequenceClassification(dir.Path));
        Assert.Contains("bert.pooler.dense.weight", error.Message);
    }

    [Fact]
    public void The_loss_is_cross_entropy_for_classes_and_squared_error_for_one_label()
    {
        using var classes = new BertForSequenceClassification(Tiny(labels: 3));
        using var logits = tensor(new float[] { 2, 0, 0, 0, 1, 0 }, 2, 3);
        using var labels = tensor(new long[] { 0, 1 });
        double expected = (-Math.Log(Math.Exp(2) / (Math.Exp(2) + 2)) - Math.Log(Math.E / (Math.E + 2))) / 2;
        Assert.Equal(expected, classes.Loss(logits, labels).item<float>(), 5);
        using var regression = new BertForSequenceClassification(Tiny(labels: 1));
        Assert.Equal((0.25 + 1) / 2, regression.Loss(tensor(new float[] { 1.5f, 3f }, 2, 1), tensor(new float[] { 1f, 2f })).item<float>(), 5);
        Assert.Throws<Parp.Models.ConfigException>(() => new BertModel(Tiny() with { NumAttentionHeads = 5 }));
    }
}

/// <summary>The pruning methods work on BERT unchanged, with the BERT-Ticket pool (E16 reuses them).</summary>
[Collection(nameof(GlobalTorchRandom))]
public class BertPruningTests
{
    [Fact]
    public void Magnitude_pruning_of_the_bert_ticket_pool_is_exact_and_leaves_the_rest_alone()
    {
        var config = new BertConfig { VocabSize = 40, HiddenSize = 16, NumHiddenLayers = 2, NumAttentionHeads = 4, IntermediateSize = 24, MaxPositionEmbeddings = 16, NumLabels = 2 };
        using var model = new BertForSequenceClassification(config);
        var pool = Parp.Pruning.PrunablePool.Of(model, Parp.Pruning.PoolSpec.BertTicket);
        // Six Linears' weights per layer and the pooler's: 2 · (4 · 16·16 + 2 · 16·24) + 16·16.
        Assert.Equal(2 * 6 + 1, pool.Entries.Count);
        Assert.Equal(2 * (4 * 256 + 2 * 384) + 256, pool.Count);
        Assert.Equal([0, 1, null], pool.Entries.Select(e => e.Layer).Distinct());
        using var embeddingBefore = model.state_dict()["bert.embeddings.word_embeddings.weight"].clone();
        using var mask = Parp.Pruning.PruningMethods.Mpi(model, 0.5, spec: Parp.Pruning.PoolSpec.BertTicket);
        mask.ApplyTo(pool);
        Assert.Equal(Parp.Pruning.GlobalMagnitudePruning.PrunedCount(0.5, pool.Count), pool.ZeroCount());
        Assert.True(model.state_dict()["bert.embeddings.word_embeddings.weight"].equal(embeddingBefore).all().item<bool>());   // outside the pool
        model.eval();
        using var ids = tensor(new long[] { 2, 3, 4, 5 }, 1, 4);
        using var logits = model.forward(ids);
        Assert.False(logits.isnan().any().item<bool>());
    }
}
