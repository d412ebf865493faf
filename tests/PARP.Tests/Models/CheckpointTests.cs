using Parp.Tests.Support;
using Parp.Models;
using Parp.Models.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Parp.Tests.Models;

public class CheckpointTests
{
    static string Base => HfFixtures.PathOf("tiny-base-ctc", builtIn: true);
    static string Pretrain => HfFixtures.PathOf("tiny-pretrain", builtIn: true);

    /// <summary>A copy of tiny-base-ctc's config and safetensors with the weights changed by <paramref name="edit"/>.</summary>
    static TempDir EditedBase(Action<Dictionary<string, Tensor>> edit)
    {
        var dir = new TempDir(Base, "config.json");
        var w = SafetensorsFile.Read(Path.Combine(Base, CheckpointFiles.Safetensors));
        edit(w);
        SafetensorsFile.Write(dir.File(CheckpointFiles.Safetensors), w);
        return dir;
    }

    static Tensor Logits(Wav2Vec2ForCtc model, Tensor input)
    {
        model.eval();
        using var _ = no_grad();
        return model.forward(input).Logits;
    }

    static Tensor Input => HfFixtures.Expected("tiny-base-ctc", builtIn: true)["input_values_single"];

    [Fact]
    public void Save_then_load_gives_the_same_model_in_the_hf_layout()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDir();
        var model = HfCheckpoint.LoadCtc(Base);
        HfCheckpoint.Save(model, dir.Path);

        Assert.Equal(["config.json", "model.safetensors"], Directory.GetFiles(dir.Path).Select(f => Path.GetFileName(f)!).Order().ToArray());
        // Same key names and shapes as transformers' own save_pretrained (parametrizations naming).
        var original = SafetensorsFile.Read(Path.Combine(Base, CheckpointFiles.Safetensors));
        var saved = SafetensorsFile.Read(dir.File(CheckpointFiles.Safetensors));
        Assert.Equal(original.Keys.Order(), saved.Keys.Order());
        foreach (var k in original.Keys) Assert.True(HfFixtures.Same(original[k], saved[k]), k);

        var reloaded = HfCheckpoint.LoadCtc(dir.Path);
        Assert.True(HfFixtures.Same(Logits(model, Input), Logits(reloaded, Input)));
        var config = HfCheckpoint.ReadConfig(dir.Path);
        Assert.Equal(model.Config.ConvDim, config.ConvDim);
        Assert.Equal(["Wav2Vec2ForCTC"], config.Architectures);
        Assert.Equal("float32", config.Extra["dtype"]?.ToString());   // fields this project does not model survive
    }

    [Theory]
    [InlineData("tiny-base-ctc")]
    [InlineData("tiny-large-ctc")]
    [InlineData("tiny-pretrain")]
    public void Saved_safetensors_is_byte_identical_to_transformers_save_pretrained(string folder)
    {
        // Same names, order, header, alignment and data as transformers 5.17 wrote: it loads there as its own file does.
        using var scope = NewDisposeScope();
        using var dir = new TempDir();
        var source = HfFixtures.PathOf(folder, builtIn: true);
        nn.Module model = HfFixtures.IsPreTraining(source) ? HfCheckpoint.LoadPreTraining(source) : HfCheckpoint.LoadCtc(source);
        HfCheckpoint.Save(model, dir.Path);
        Assert.Equal(File.ReadAllBytes(Path.Combine(source, CheckpointFiles.Safetensors)), File.ReadAllBytes(dir.File(CheckpointFiles.Safetensors)));
    }

    [Fact]
    public void Missing_key_is_an_error_naming_the_key_and_file()
    {
        using var dir = EditedBase(w => w.Remove("wav2vec2.encoder.layers.1.attention.k_proj.weight"));
        var e = Assert.Throws<CheckpointException>(() => HfCheckpoint.LoadCtc(dir.Path));
        Assert.Contains("wav2vec2.encoder.layers.1.attention.k_proj.weight", e.Message);
        Assert.Contains(dir.File(CheckpointFiles.Safetensors), e.Message);
    }

    [Fact]
    public void Extra_key_is_an_error_naming_the_key()
    {
        using var dir = EditedBase(w => w["wav2vec2.encoder.layers.9.attention.k_proj.weight"] = zeros(48, 48));
        var e = Assert.Throws<CheckpointException>(() => HfCheckpoint.LoadCtc(dir.Path));
        Assert.Contains("wav2vec2.encoder.layers.9.attention.k_proj.weight", e.Message);
        Assert.Contains("no place", e.Message);
    }

    [Fact]
    public void Wrong_shape_is_an_error_naming_both_shapes()
    {
        using var dir = EditedBase(w => w["lm_head.weight"] = zeros(31, 48));
        var e = Assert.Throws<CheckpointException>(() => HfCheckpoint.LoadCtc(dir.Path));
        Assert.Contains("lm_head.weight", e.Message);
        Assert.Contains("[31, 48]", e.Message);
        Assert.Contains("[32, 48]", e.Message);
    }

    [Fact]
    public void Config_that_does_not_match_the_weights_is_a_shape_error()
    {
        using var dir = new TempDir(Base);
        File.WriteAllText(dir.File("config.json"), File.ReadAllText(dir.File("config.json")).Replace("\"intermediate_size\": 96", "\"intermediate_size\": 64"));
        var e = Assert.Throws<CheckpointException>(() => HfCheckpoint.LoadCtc(dir.Path));
        Assert.Contains("feed_forward.intermediate_dense.weight", e.Message);
    }

    [Fact]
    public void Missing_files_are_errors_naming_the_path()
    {
        using var noWeights = new TempDir(Base, "config.json");
        var e = Assert.Throws<FileNotFoundException>(() => HfCheckpoint.LoadCtc(noWeights.Path));
        Assert.Contains(noWeights.Path, e.Message);
        Assert.Contains("model.safetensors", e.Message);

        using var noConfig = new TempDir(Base, CheckpointFiles.Safetensors);
        var c = Assert.Throws<FileNotFoundException>(() => HfCheckpoint.LoadCtc(noConfig.Path));
        Assert.Contains("config.json", c.Message);

        Assert.Throws<DirectoryNotFoundException>(() => HfCheckpoint.LoadCtc(Path.Combine(noConfig.Path, "nope")));
    }

    [Fact]
    public void Truncated_safetensors_is_an_error_not_a_crash()
    {
        using var dir = new TempDir(Base, "config.json", CheckpointFiles.Safetensors);
        var bytes = File.ReadAllBytes(dir.File(CheckpointFiles.Safetensors));
        File.WriteAllBytes(dir.File(CheckpointFiles.Safetensors), bytes[..(bytes.Length - 1000)]);
        var e = Assert.Throws<CheckpointException>(() => HfCheckpoint.LoadCtc(dir.Path));
        Assert.Contains("truncated", e.Message);

        File.WriteAllBytes(dir.File(CheckpointFiles.Safetensors), [1, 2, 3]);
        Assert.Throws<CheckpointException>(() => HfCheckpoint.LoadCtc(dir.Path));
    }

    [Fact]
    public void Corrupt_pytorch_bin_is_an_error_naming_the_file()
    {
        using var dir = new TempDir(Base, "config.json", CheckpointFiles.PyTorchBin);
        var bytes = File.ReadAllBytes(dir.File(CheckpointFiles.PyTorchBin));
        File.WriteAllBytes(dir.File(CheckpointFiles.PyTorchBin), bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<CheckpointException>(() => HfCheckpoint.LoadCtc(dir.Path));
        Assert.Contains(CheckpointFiles.PyTorchBin, e.Message);
    }

    [Fact]
    public void Keys_without_the_wav2vec2_prefix_load_the_same()
    {
        using var scope = NewDisposeScope();
        using var dir = EditedBase(w =>
        {
            foreach (var k in w.Keys.Where(k => k.StartsWith("wav2vec2.")).ToList()) { w[k["wav2vec2.".Length..]] = w[k]; w.Remove(k); }
        });
        Assert.True(HfFixtures.Same(Logits(HfCheckpoint.LoadCtc(Base), Input), Logits(HfCheckpoint.LoadCtc(dir.Path), Input)));
    }

    [Fact]
    public void Sharded_safetensors_load_the_same()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDir(Base, "config.json");
        var w = SafetensorsFile.Read(Path.Combine(Base, CheckpointFiles.Safetensors));
        var keys = w.Keys.Order(StringComparer.Ordinal).ToList();
        var shards = new[] { keys.Take(keys.Count / 2).ToList(), keys.Skip(keys.Count / 2).ToList() };
        var map = new System.Text.Json.Nodes.JsonObject();
        for (int i = 0; i < 2; i++)
        {
            var name = $"model-0000{i + 1}-of-00002.safetensors";
            SafetensorsFile.Write(dir.File(name), shards[i].ToDictionary(k => k, k => w[k]));
            foreach (var k in shards[i]) map[k] = name;
        }
        File.WriteAllText(dir.File(CheckpointFiles.SafetensorsIndex), new System.Text.Json.Nodes.JsonObject { ["weight_map"] = map }.ToJsonString());
        Assert.True(HfFixtures.Same(Logits(HfCheckpoint.LoadCtc(Base), Input), Logits(HfCheckpoint.LoadCtc(dir.Path), Input)));

        File.Delete(dir.File("model-00002-of-00002.safetensors"));
        var e = Assert.Throws<CheckpointException>(() => HfCheckpoint.LoadCtc(dir.Path));
        Assert.Contains("model-00002-of-00002.safetensors", e.Message);
    }

    [Fact]
    public void PreTraining_checkpoint_loads_into_a_ctc_model_with_a_new_head()
    {
        using var scope = NewDisposeScope();
        var model = HfCheckpoint.Load(Pretrain, c => new Wav2Vec2ForCtc(c), null, null, null, out var report);
        Assert.Equal(["lm_head.bias", "lm_head.weight"], report.Initialized.Order());
        Assert.Contains("quantizer.codevectors", report.Dropped);
        Assert.Contains("project_q.weight", report.Dropped);
        Assert.Contains("project_hid.bias", report.Dropped);
        var raw = SafetensorsFile.Read(Path.Combine(Pretrain, CheckpointFiles.Safetensors));
        var state = model.state_dict();
        Assert.True(HfFixtures.Same(state["wav2vec2.encoder.layers.2.feed_forward.output_dense.weight"],
            raw["wav2vec2.encoder.layers.2.feed_forward.output_dense.weight"]));
        // The new head follows HF's init: N(0, initializer_range), zero bias.
        Assert.True(state["lm_head.bias"].abs().max().item<float>() == 0);
        Assert.InRange(state["lm_head.weight"].std().item<float>(), 0.01, 0.03);
    }

    [Fact]
    public void Ctc_checkpoint_loads_into_the_bare_model()
    {
        using var scope = NewDisposeScope();
        var expected = HfFixtures.Expected("tiny-base-ctc", builtIn: true);
        var model = HfCheckpoint.Load(Base, c => new Wav2Vec2Model(c), null, null, null, out var report);
        Assert.Equal(["lm_head.bias", "lm_head.weight"], report.Dropped.Order());
        model.eval();
        using var _ = no_grad();
        var o = model.forward(expected["input_values"], expected["attention_mask"]);
        Assert.True(HfFixtures.MaxAbsDiff(o.LastHiddenState, expected["last_hidden_state"]) < 1e-4);
        Assert.DoesNotContain(model.state_dict().Keys, k => k.StartsWith("wav2vec2."));
    }

    [Fact]
    public void Ctc_checkpoint_does_not_load_into_a_pretraining_model()
    {
        var e = Assert.Throws<CheckpointException>(() => HfCheckpoint.LoadPreTraining(Base));
        Assert.Contains("quantizer.codevectors", e.Message);
    }

    [Fact]
    public void Parameter_names_equal_the_hf_state_dict_keys()
    {
        using var scope = NewDisposeScope();
        var hf = SafetensorsFile.Read(Path.Combine(Pretrain, CheckpointFiles.Safetensors)).Keys.Order();
        var ours = new Wav2Vec2ForPreTraining(HfCheckpoint.ReadConfig(Pretrain)).state_dict().Keys.Order();
        Assert.Equal(hf, ours);
        Assert.Contains("wav2vec2.encoder.layers.2.attention.q_proj.weight", ours);
    }
}
