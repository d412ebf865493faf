using System.Text.Json.Nodes;
using Parp.Models;
using Parp.Models.Checkpoints;
using Parp.Pruning;
using Parp.Tests.Support;
using Parp.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Parp.Tests.Text;

/// <summary>
/// XLNet (E16) without transformers at hand: its state-dict keys are the checkpoints' own, the relative shift reads
/// distance i − j, one layer computes the relative attention written out pair by pair, left padding and the choice of
/// segment ids change nothing they should not, checkpoints round-trip (and a pre-trained one drops its LM head and gets a
/// new classifier), and the GLUE loop trains it under a fixed mask. The golden comparison with transformers' outputs
/// comes with fixtures made on a machine that has it.
/// </summary>
[Collection(nameof(GlobalTorchRandom))]
public class XLNetTests
{
    static XLNetConfig Tiny(int layers = 2, int labels = 3) => new()
    {
        VocabSize = 40, DModel = 16, NLayer = layers, NHead = 2, DInner = 24, NumLabels = labels, PadTokenId = 5,
    };

    static Tensor Ids(params long[][] rows) => tensor(rows.SelectMany(r => r).ToArray(), rows.Length, rows[0].Length);

    [Fact]
    public void The_state_dict_keys_are_transformers_own()
    {
        using var model = new XLNetForSequenceClassification(Tiny(layers: 1));
        string[] layer =
        [
            "rel_attn.q", "rel_attn.k", "rel_attn.v", "rel_attn.o", "rel_attn.r", "rel_attn.r_r_bias", "rel_attn.r_s_bias",
            "rel_attn.r_w_bias", "rel_attn.seg_embed", "rel_attn.layer_norm.weight", "rel_attn.layer_norm.bias",
            "ff.layer_norm.weight", "ff.layer_norm.bias", "ff.layer_1.weight", "ff.layer_1.bias", "ff.layer_2.weight", "ff.layer_2.bias",
        ];
        var expected = new[] { "transformer.word_embedding.weight", "transformer.mask_emb" }
            .Concat(layer.Select(k => "transformer.layer.0." + k))
            .Concat(["sequence_summary.summary.weight", "sequence_summary.summary.bias", "logits_proj.weight", "logits_proj.bias"]);
        var state = model.state_dict();
        Assert.Equal(expected.Order(StringComparer.Ordinal), state.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([16L, 2, 8], state["transformer.layer.0.rel_attn.q"].shape);
        Assert.Equal([2L, 2, 8], state["transformer.layer.0.rel_attn.seg_embed"].shape);
        Assert.Equal([1L, 1, 16], state["transformer.mask_emb"].shape);
        // transformers' initialisation: the attention's tensors drawn with std 0.02, Linear biases 0.
        Assert.InRange(state["transformer.layer.0.rel_attn.r"].std().item<float>(), 0.015, 0.025);
        Assert.Equal(0, state["logits_proj.bias"].abs().sum().item<float>());
    }

    [Fact]
    public void The_relative_shift_puts_distance_i_minus_j_at_i_j()
    {
        // x[.., i, p] = 100 i + p: query i against relative position p, whose distance is klen − p.
        const int t = 3;
        using var x = (arange(t).view(t, 1) * 100 + arange(2 * t).view(1, 2 * t)).view(1, 1, t, 2 * t).to(float32);
        using var shifted = XLNetRelativeAttention.RelativeShift(x, t);
        for (int i = 0; i < t; i++)
            for (int j = 0; j < t; j++)
            {
                int p = t - i + j;                     // klen − p = i − j
                Assert.Equal(100 * i + p, shifted[0, 0, i, j].item<float>());
            }
        using var positions = XLNetModel.RelativePositionalEncoding(t, 4, clampLen: -1, CPU);
        Assert.Equal([2L * t, 4], positions.shape);
        Assert.Equal(Math.Sin(t), positions[0, 0].item<float>(), 5);             // distance T, first frequency 1
        Assert.Equal(Math.Cos((-t + 1) / 100.0), positions[2 * t - 1, 3].item<float>(), 5);   // distance −T + 1, frequency 1/10000^(2/4)
    }

    [Fact]
    public void One_layer_is_the_relative_attention_written_out_pair_by_pair()
    {
        var c = Tiny(layers: 1);
        using var model = new XLNetModel(c);
        model.eval();
        var w = model.state_dict();
        const int b = 2, t = 4, n = 2, dh = 8, d = 16;
        using var ids = Ids([7, 9, 11, 13], [5, 5, 12, 3]);
        using var mask = tensor(new long[] { 1, 1, 1, 1, 0, 0, 1, 1 }, b, t);
        using var types = tensor(new long[] { 0, 0, 1, 1, 3, 3, 0, 2 }, b, t);
        using var outputs = model.forward(ids, mask, types);

        using var scope = NewDisposeScope();
        const string l = "layer.0.";
        Tensor W(string name) => w[name];
        var h = W("word_embedding.weight").index_select(0, ids.flatten()).view(b, t, d);
        var q = einsum("bih,hnd->bind", h, W(l + "rel_attn.q"));
        var k = einsum("bih,hnd->bind", h, W(l + "rel_attn.k"));
        var v = einsum("bih,hnd->bind", h, W(l + "rel_attn.v"));
        // The sinusoid of every pair's distance i − j, then its key through r.
        var encoding = zeros(t, t, d);
        for (int i = 0; i < t; i++)
            for (int j = 0; j < t; j++)
                for (int f = 0; f < d / 2; f++)
                {
                    double angle = (i - j) / Math.Pow(10000, 2.0 * f / d);
                    encoding[i, j, f] = tensor((float)Math.Sin(angle));
                    encoding[i, j, f + d / 2] = tensor((float)Math.Cos(angle));
                }
        var keyR = einsum("ijh,hnd->ijnd", encoding, W(l + "rel_attn.r"));
        var ac = einsum("bind,bjnd->bnij", q + W(l + "rel_attn.r_w_bias"), k);
        var bd = einsum("bind,ijnd->bnij", q + W(l + "rel_attn.r_r_bias"), keyR);
        var same = types.unsqueeze(2).eq(types.unsqueeze(1));                                   // [B, I, J]
        var segEmbed = W(l + "rel_attn.seg_embed");
        var segment = where(same.view(b, t, t, 1, 1), segEmbed[0].view(1, 1, 1, n, dh), segEmbed[1].view(1, 1, 1, n, dh));
        var ef = einsum("bind,bijnd->bnij", q + W(l + "rel_attn.r_s_bias"), segment);
        using var scale = (1 / Math.Sqrt(dh)).ToScalar();
        var score = (ac + bd + ef).mul(scale);
        // Padding keys are masked for every query but themselves.
        var masked = mask.eq(0).view(b, 1, 1, t).logical_and(eye(t, dtype: ScalarType.Bool).logical_not().view(1, 1, t, t));
        using var minusInfinity = double.NegativeInfinity.ToScalar();
        var probabilities = score.masked_fill(masked, minusInfinity).softmax(-1);
        var attended = einsum("bind,hnd->bih", einsum("bnij,bjnd->bind", probabilities, v), W(l + "rel_attn.o"));
        Tensor Norm(Tensor x, string name) => nn.functional.layer_norm(x, [d], W(name + ".weight"), W(name + ".bias"), c.LayerNormEps);
        Tensor Linear(Tensor x, string name) => nn.functional.linear(x, W(name + ".weight"), W(name + ".bias"));
        var afterAttention = Norm(attended + h, l + "rel_attn.layer_norm");
        var expected = Norm(Linear(nn.functional.gelu(Linear(afterAttention, l + "ff.layer_1")), l + "ff.layer_2") + afterAttention, l + "ff.layer_norm");

        Assert.True(outputs.LastHiddenState.allclose(expected, rtol: 1e-5, atol: 1e-5),
            $"largest difference {(outputs.LastHiddenState - expected).abs().max().item<float>():E2}");
    }

    [Fact]
    public void Left_padding_changes_nothing_for_the_real_tokens_and_only_segment_equality_matters()
    {
        manual_seed(17);      // the same weights whichever tests ran before
        using var model = new XLNetForSequenceClassification(Tiny());
        model.eval();
        using var alone = model.forward(Ids([7, 9, 4, 3]), null, Ids([0, 0, 0, 2]));
        using var padded = model.forward(Ids([5, 5, 7, 9, 4, 3], [5, 8, 8, 8, 4, 3]),
            tensor(new long[] { 0, 0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1 }, 2, 6), Ids([3, 3, 0, 0, 0, 2], [3, 0, 0, 0, 0, 2]));
        Assert.True(padded[0].allclose(alone[0], rtol: 1e-5, atol: 1e-6), "relative attention: where a row starts does not matter");

        // Segment embeddings large enough to matter (at initialisation, std 0.02, they move the scores by about 1e-4).
        using (no_grad())
        {
            using var hundred = 100.0.ToScalar();
            foreach (var (name, p) in model.named_parameters().Where(p => p.name.EndsWith("seg_embed"))) p.mul_(hundred);
        }
        using var hidden = model.Transformer.forward(Ids([7, 9, 4, 3]), null, Ids([0, 0, 1, 2]));
        using var relabelled = model.Transformer.forward(Ids([7, 9, 4, 3]), null, Ids([6, 6, 0, 1]));
        using var none = model.Transformer.forward(Ids([7, 9, 4, 3]));
        Assert.True(hidden.LastHiddenState.allclose(relabelled.LastHiddenState, rtol: 1e-6, atol: 1e-7));
        // Relabelling agrees to 1e-7; removing the segments moves the states by far more than that.
        Assert.False(hidden.LastHiddenState.allclose(none.LastHiddenState, rtol: 1e-5, atol: 1e-6), "segments changed nothing");
    }

    [Fact]
    public void A_saved_model_loads_with_the_same_logits_and_config()
    {
        using var dir = new TempDir();
        var config = Tiny() with { Extra = new JsonObject { ["id2label"] = new JsonObject { ["0"] = "a", ["1"] = "b", ["2"] = "c" }, ["mem_len"] = null } };
        using var model = new XLNetForSequenceClassification(config);
        model.eval();
        XLNetCheckpoint.Save(model, dir.Path);
        using var back = XLNetCheckpoint.LoadForSequenceClassification(dir.Path);
        back.eval();
        using var ids = Ids([2, 3, 4, 5]);
        using var a = model.forward(ids);
        using var b = back.forward(ids);
        Assert.Equal(0.0, (a - b).abs().max().item<float>());
        var json = JsonNode.Parse(File.ReadAllText(dir.File("config.json")))!;
        Assert.Equal("c", (string)json["id2label"]!["2"]!);
        Assert.Equal(8, (int)json["d_head"]!);
        Assert.Equal("XLNetForSequenceClassification", (string)json["architectures"]![0]!);
        Assert.True(json.AsObject().ContainsKey("mem_len"));
        Assert.Equal(config with { Extra = back.Config.Extra }, back.Config);
    }

    [Fact]
    public void A_pre_trained_checkpoint_drops_its_lm_head_and_a_new_task_gets_a_new_summary_and_classifier()
    {
        using var dir = new TempDir();
        using var source = new XLNetForSequenceClassification(Tiny(labels: 2));
        // As XLNetLMHeadModel saves: the body under transformer., the LM head, no summary or classifier.
        var state = source.Transformer.state_dict().ToDictionary(kv => "transformer." + kv.Key, kv => kv.Value);
        state["lm_loss.weight"] = state["transformer.word_embedding.weight"];
        state["lm_loss.bias"] = zeros(40);
        Parp.Models.Checkpoints.SafetensorsFile.Write(dir.File("model.safetensors"), state);
        File.WriteAllText(dir.File("config.json"), Tiny(labels: 2).ToJson("XLNetLMHeadModel").ToJsonString());

        using var model = XLNetCheckpoint.LoadForSequenceClassification(dir.Path, cfg => cfg with { NumLabels = 3 });
        Assert.Equal(3, model.NumLabels);
        Assert.True(model.Transformer.state_dict()["layer.1.rel_attn.q"].eq(source.Transformer.state_dict()["layer.1.rel_attn.q"]).all().item<bool>());

        // A classifier with only half its head is damaged, not new.
        state["logits_proj.weight"] = zeros(2, 16);
        Parp.Models.Checkpoints.SafetensorsFile.Write(dir.File("model.safetensors"), state);
        var e = Assert.Throws<CheckpointException>(() => XLNetCheckpoint.LoadForSequenceClassification(dir.Path, cfg => cfg with { NumLabels = 2 }));
        Assert.Contains("logits_proj.bias", e.Message);
    }

    [Fact]
    public void A_config_it_cannot_compute_is_refused_naming_the_field()
    {
        var bad = new JsonObject { ["model_type"] = "xlnet", ["d_model"] = 16, ["n_head"] = 2, ["d_head"] = 4 };
        Assert.Contains("d_head", Assert.Throws<ConfigException>(() => XLNetConfig.FromJson(bad, "x.json")).Message);
        Assert.Contains("bi_data", Assert.Throws<ConfigException>(() => XLNetConfig.FromJson(new JsonObject { ["bi_data"] = true }, "x.json")).Message);
        Assert.Contains("attn_type", Assert.Throws<ConfigException>(() => XLNetConfig.FromJson(new JsonObject { ["attn_type"] = "uni" }, "x.json")).Message);
        Assert.Contains("model_type", Assert.Throws<ConfigException>(() => XLNetConfig.FromJson(new JsonObject { ["model_type"] = "bert" }, "x.json")).Message);
        // summary_activation: absent is transformers' default (tanh), null is none.
        Assert.Equal("tanh", XLNetConfig.FromJson(new JsonObject(), "x.json").SummaryActivation);
        Assert.Null(XLNetConfig.FromJson(new JsonObject { ["summary_activation"] = null }, "x.json").SummaryActivation);
    }

    [Fact]
    public void The_xlnet_pool_holds_every_layer_weight_matrix_and_the_summary_and_a_fixed_mask_holds_through_the_glue_loop()
    {
        using var dir = new TempDir();
        var corpus = new[] { "the cat runs fast", "a red dog runs", "the blue cat is slow", "a dog is fast", "the red cat" };
        SentencePieceVocabulary.Write(SentencePieceVocabulary.Build(corpus, 60), dir.File("spiece.model"));
        var encoder = XLNetTextEncoder.FromModel(dir.File("spiece.model"), maxLength: 16);
        var rng = new Random(5);
        var examples = Enumerable.Range(0, 64).Select(_ =>
        {
            bool dog = rng.Next(2) == 1;
            return new GlueExample($"{(rng.Next(2) == 1 ? "the" : "a")} {(dog ? "dog" : "cat")} runs", null, dog ? 1 : 0);
        }).ToList();
        manual_seed(11);
        var config = Tiny(labels: 2) with { VocabSize = 60 };
        using var model = new XLNetForSequenceClassification(config);
        var pool = PrunablePool.Of(model, PoolSpec.XLNetTicket);
        // Per layer q, k, v, o, r (16·2·8 each) and the two feed-forward weights (16·24 each); the summary's 16·16.
        Assert.Equal(2 * (5 * 16 * 16 + 2 * 16 * 24) + 16 * 16, pool.Count);
        Assert.DoesNotContain(pool.Names, name => name.Contains("bias") || name.Contains("seg_embed") || name.Contains("logits_proj"));

        // Weight decay as transformers' Trainer applies it: none on anything named bias (r_w, r_r, r_s too) or in a LayerNorm.
        var decayed = model.named_parameters().Select(p => p.name).Where(GlueRecipe.Decays).ToList();
        Assert.DoesNotContain(decayed, n => n.Contains("bias") || n.Contains("layer_norm"));
        Assert.Contains("transformer.layer.0.rel_attn.seg_embed", decayed);
        Assert.Contains("transformer.word_embedding.weight", decayed);
        Assert.False(GlueRecipe.Decays("bert.encoder.layer.0.attention.output.LayerNorm.weight"));
        Assert.False(GlueRecipe.Decays("cls.predictions.bias"));
        Assert.True(GlueRecipe.Decays("bert.encoder.layer.0.attention.self.query.weight"));

        using var fixedMask = new FixedMaskCallback(PruningMethods.Mpi(model, 0.5, spec: PoolSpec.XLNetTicket), PoolSpec.XLNetTicket);
        var recipe = new GlueRecipe { MaxUpdates = 20, BatchSize = 16, LearningRate = 1e-3, Seed = 3 };
        var losses = GlueFineTuning.Train(model, encoder, GlueTask.Sst2, examples, recipe, CPU, callbacks: [fixedMask]);
        Assert.Equal(20, losses.Count);
        Assert.Equal(fixedMask.Mask.PrunedCount(), PrunablePool.Of(model, PoolSpec.XLNetTicket).ZeroCount());
        Assert.Equal(0.5, PrunablePool.Of(model, PoolSpec.XLNetTicket).MeasuredSparsity(), 3);
        Assert.InRange(GlueFineTuning.Evaluate(model, encoder, GlueTask.Sst2, examples, CPU)["accuracy"], 0, 100);
    }
}
