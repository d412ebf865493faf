using Parp.Data;
using Parp.Experiments;
using Parp.Models.Checkpoints;
using Parp.Tests.Support;
using Parp.Training;
using static TorchSharp.torch;

namespace Parp.Tests.Training;

/// <summary>Mixed bf16 fine-tuning: float32 weights, gradients and Adam state; bf16 only inside the forward.</summary>
[Collection(nameof(GlobalTorchRandom))]
public class MixedPrecisionTests
{
    [Fact]
    public void Off_it_stays_out_of_the_recipe_so_float32_runs_keep_their_cache_keys()
    {
        var recipe = FineTunePresets.Get("tiny");
        Assert.False(recipe.ToJson().ContainsKey("mixed_bf16"));
        Assert.True(recipe.ToJson().ContainsKey("bf16"));
        var mixed = recipe with { MixedBf16 = true };
        Assert.True(mixed.ToJson()["mixed_bf16"]!.GetValue<bool>());
        Assert.True(FineTuneRecipe.FromJson(mixed.ToJson().ToJsonString()).MixedBf16);
        var english = ExperimentSetting.English("tiny");
        Assert.Equal(english.Dense().Key, english.WithMixedBf16(false).Dense().Key);
        Assert.NotEqual(english.Dense().Key, english.WithMixedBf16(true).Dense().Key);
        var both = Assert.Throws<ArgumentException>(() => (recipe with { Bf16 = true, MixedBf16 = true }).Validate());
        Assert.Contains("exclude each other", both.Message);
    }

    [RequiresProgramFact("espeak-ng", "espeak-ng")]
    public void A_mixed_run_trains_float32_weights_with_float32_adam_state()
    {
        using var dir = new TempDir();
        var data = LabelledData.Generated("smoke", "en", "10min");
        var recipe = FineTunePresets.Get("smoke") with { MaxUpdates = 4, FreezeFinetuneUpdates = 0, MaxBatchSize = 2, MixedBf16 = true };
        int threads = get_num_threads();
        set_num_threads(1);
        try
        {
            var (model, result) = FineTuning.Run(dir.Path, ModelSource.Random("smoke"), recipe, data, CPU,
                loop: new LoopOptions { CheckpointEvery = 2, LogEvery = 1 });
            Assert.True(result.Completed);
            Assert.Equal(0, result.SkippedUpdates);
            Assert.All(model.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
            var latest = Directory.GetDirectories(Path.Combine(dir.Path, "checkpoints"), "update-*").Max()!;
            var moments = SafetensorsFile.Read(Path.Combine(latest, "optimizer.safetensors")).Where(kv => !kv.Key.EndsWith(".step")).ToList();
            Assert.NotEmpty(moments);
            Assert.All(moments, kv => Assert.Equal(ScalarType.Float32, kv.Value.dtype));
        }
        finally { set_num_threads(threads); }
    }
}
