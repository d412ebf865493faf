using Parp.Training;

namespace Parp.Tests.Training;

public class PreTrainRecipeTests
{
    [Fact]
    public void Every_preset_is_valid_and_named_by_its_key()
    {
        // A run folder's recipe.json names the preset; a preset named after another would refuse or mislabel resumes.
        foreach (var (key, recipe) in PreTrainRecipe.Presets)
        {
            Assert.Equal(key, recipe.Name);
            recipe.Validate();
        }
    }

    [Fact]
    public void Tiny_v2_is_tinys_recipe_with_twice_the_batch_and_more_updates()
    {
        var (v1, v2) = (PreTrainRecipe.Get("tiny"), PreTrainRecipe.Get("tiny-v2"));
        Assert.Equal((64, 64L * v1.MaxSampleSize, 4_000), (v2.MaxBatchSize, v2.MaxTokens, v2.MaxUpdates));
        var differing = new[] { "name", "max_batch_size", "max_tokens", "max_updates" };
        var (a, b) = (v1.ToJson(), v2.ToJson());
        foreach (var field in differing) { a.Remove(field); b.Remove(field); }
        Assert.Equal(a.ToJsonString(), b.ToJsonString());
    }
}
