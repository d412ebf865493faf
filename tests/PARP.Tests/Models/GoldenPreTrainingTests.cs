using Parp.Models.Checkpoints;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Parp.Tests.Models;

/// <summary>Pre-training outputs and losses against transformers, with the fixture's masks and negatives.</summary>
[Trait("Category", "Golden")]
public class GoldenPreTrainingTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(HfFixtures.PreTrainingFolders), MemberType = typeof(HfFixtures))]
    public void PreTraining_outputs_match_transformers(string folder)
    {
        using var scope = NewDisposeScope();
        var e = HfFixtures.Expected(folder);
        var model = HfCheckpoint.LoadPreTraining(HfFixtures.PathOf(folder));
        model.eval();
        using var _ = no_grad();
        var o = model.forward(e.Get("input_values", folder), maskTimeIndices: e.Get("mask_time_indices", folder),
            sampledNegativeIndices: e.Get("sampled_negative_indices", folder));

        var absolute = new Dictionary<string, double>
        {
            ["projected_states"] = HfFixtures.MaxAbsDiff(o.ProjectedStates, e.Get("projected_states", folder)),
            ["projected_quantized_states"] = HfFixtures.MaxAbsDiff(o.ProjectedQuantizedStates, e.Get("projected_quantized_states", folder)),
        };
        var relative = new Dictionary<string, double>
        {
            ["loss"] = HfFixtures.RelDiff(o.Loss!, e.Get("loss", folder)),
            ["contrastive_loss"] = HfFixtures.RelDiff(o.ContrastiveLoss!, e.Get("contrastive_loss", folder)),
            ["diversity_loss"] = HfFixtures.RelDiff(o.DiversityLoss!, e.Get("diversity_loss", folder)),
            ["codevector_perplexity"] = HfFixtures.RelDiff(o.CodevectorPerplexity, e.Get("codevector_perplexity", folder)),
        };
        foreach (var (k, d) in absolute) output.WriteLine($"{folder} {k}: max |diff| = {d:E2}");
        foreach (var (k, d) in relative) output.WriteLine($"{folder} {k}: relative diff = {d:E2} (expected {e[k].item<float>()})");
        var bad = absolute.Where(kv => !(kv.Value < 1e-4)).Concat(relative.Where(kv => !(kv.Value < 1e-4)))
            .Select(kv => $"{kv.Key} {kv.Value:E2}").ToList();
        Assert.True(bad.Count == 0, $"{folder}: outside tolerance: {string.Join(", ", bad)}");
    }
}
