using Parp.Models;
using Parp.Models.Checkpoints;
using Parp.Pruning;
using Parp.Tests.Support;
using static TorchSharp.torch;

namespace Parp.Tests.Pruning;

/// <summary>The pool (docs/paper.md §2.2) and masks as data: files, metadata, fitting a model, the official files.</summary>
public class PoolAndMaskTests
{
    [Fact]
    public void Base_pool_is_exactly_the_specs_144_tensors_and_85_017_600_values()
    {
        using var scope = NewDisposeScope();
        var pool = PrunablePool.Of(new Wav2Vec2ForCtc(Wav2Vec2Presets.Base with { Architectures = ["Wav2Vec2ForCTC"] }));
        Assert.Equal(85_017_600, pool.Count);
        Assert.Equal(144, pool.Entries.Count);
        Assert.Equal(84_934_656, pool.Entries.Where(e => e.Name.EndsWith(".weight")).Sum(e => e.Count));
        Assert.Equal("wav2vec2.encoder.layers.0.attention.q_proj.weight", pool.Entries[0].Name);   // pool order = model order
        Assert.All(pool.Entries, e => Assert.Matches(@"^wav2vec2\.encoder\.layers\.\d+\.(attention|feed_forward)\.", e.Name));
    }

    [Fact]
    public void Other_pools_select_weights_only_or_add_the_feature_projection()
    {
        using var scope = NewDisposeScope();
        var model = PruningTestModels.Smoke();
        var paper = PrunablePool.Of(model);
        var weights = PrunablePool.Of(model, PoolSpec.WeightsOnly);
        var withProjection = PrunablePool.Of(model, PoolSpec.PaperWithFeatureProjection);
        Assert.Equal(36, paper.Entries.Count);                                    // 3 layers × 6 Linears × 2
        Assert.Equal(18, weights.Entries.Count);
        Assert.Equal(paper.Count + 64 * 96 + 96, withProjection.Count);           // Linear 64 → 96
        var body = PrunablePool.Of(model.Wav2Vec2);                               // the bare body has no "wav2vec2." prefix
        Assert.Equal(paper.Count, body.Count);
    }

    [Fact]
    public void A_pool_pattern_matching_nothing_or_an_unknown_pool_name_is_a_clear_error()
    {
        var model = PruningTestModels.Smoke();
        var e = Assert.Throws<PruningException>(() => PrunablePool.Of(model, PoolSpec.Custom("typo", @"attention\.q_proj\.weight$", @"attention\.qproj\.weight$")));
        Assert.Contains("match no parameter", e.Message);
        Assert.Contains(@"attention\.qproj\.weight$", e.Message);
        Assert.DoesNotContain(@"attention\.q_proj\.weight$", e.Details);
        Assert.Throws<ArgumentException>(() => PoolSpec.Custom("bad", "(unclosed"));
    }

    [Fact]
    public void Masks_round_trip_through_safetensors_with_their_metadata()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDir();
        var model = PruningTestModels.Smoke();
        PruningTestModels.Randomize(PrunablePool.Of(model), seed: 9);
        using var mask = PruningMethods.Mpi(model, 0.3, "smoke seed 1");
        var path = dir.File("masks/mpi-0.3.safetensors");
        mask.Save(path);
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));                 // no temporary left behind
        using var loaded = Mask.Load(path);
        Assert.Equal(mask.Info, loaded.Info with { });
        Assert.Equal(1.0, MaskAnalysis.Overlap(mask, loaded)[0].KeptIou);
        var meta = SafetensorsFile.ReadMetadata(path);
        Assert.Equal("mpi", meta["parp.method"]);
        Assert.Equal(mask.Sparsity(), double.Parse(meta["parp.sparsity"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("pt", meta["format"]);
    }

    [Fact]
    public void A_mask_for_another_model_is_an_error_listing_the_mismatches()
    {
        using var scope = NewDisposeScope();
        using var smokeMask = PruningMethods.Mpi(PruningTestModels.Smoke(), 0.5);
        var tiny = new Wav2Vec2ForCtc(Wav2Vec2Presets.Tiny with { Architectures = ["Wav2Vec2ForCTC"] });
        var e = Assert.Throws<PruningException>(() => smokeMask.ApplyTo(PrunablePool.Of(tiny)));
        Assert.Contains("does not fit", e.Message);
        Assert.Contains("in the model's pool, not in the mask: wav2vec2.encoder.layers.3.attention.k_proj.weight", e.Details);
        Assert.Contains("shape of wav2vec2.encoder.layers.0.attention.q_proj.weight: mask [96, 96], model [256, 256]", e.Details);
        using var callback = new FixedMaskCallback(smokeMask.WithInfo(smokeMask.Info));
        Assert.Throws<PruningException>(() => callback.OnTrainingStart(new Parp.Training.TrainingState(tiny, 0, 1)));
    }

    [Fact]
    public void Loading_a_file_that_is_not_a_mask_is_a_clear_error()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDir();
        var path = dir.File("weights.safetensors");
        SafetensorsFile.Write(path, new Dictionary<string, Tensor> { ["x"] = ones(3) });
        var e = Assert.Throws<PruningException>(() => Mask.Load(path));
        Assert.Contains("not boolean", e.Message);
    }

    [Fact]
    public void Official_mask_files_map_fairseq_names_and_keep_only_keys_ending_in_mask()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDir();
        var model = PruningTestModels.Smoke();
        PruningTestModels.Randomize(PrunablePool.Of(model), seed: 10);
        using var mask = PruningMethods.Mpi(model, 0.5);
        string Fairseq(string hf) => "w2v_encoder.w2v_model." + hf["wav2vec2.".Length..]
            .Replace("attention.", "self_attn.").Replace("feed_forward.intermediate_dense", "fc1").Replace("feed_forward.output_dense", "fc2") + "_mask";
        var file = mask.Names.ToDictionary(Fairseq, n => mask[n].to_type(ScalarType.Float32));
        file["w2v_encoder.w2v_model.mask_emb"] = randn(96);                               // docs/paper.md §11.3: not a mask
        var path = dir.File("official.safetensors");
        SafetensorsFile.Write(path, file);
        using var imported = FairseqMasks.Load(path, 0.5);
        Assert.Equal(1.0, MaskAnalysis.Overlap(mask, imported)[0].KeptIou);
        imported.CheckMatches(PrunablePool.Of(model));
        Assert.Equal("wav2vec2.encoder.layers.2.feed_forward.output_dense.bias", FairseqMasks.ToHfName("encoder.layers.2.fc2.bias"));

        file["encoder.pos_conv.0.weight_v_mask"] = ones(2);
        var e = Assert.Throws<PruningException>(() => FairseqMasks.FromStateDict(file, "test"));
        Assert.Contains("encoder.pos_conv.0.weight_v_mask", e.Message);
    }
}
