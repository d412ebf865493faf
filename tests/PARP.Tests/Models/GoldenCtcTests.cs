using Parp.Models;
using Parp.Models.Checkpoints;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Parp.Tests.Models;

/// <summary>Outputs of the C# model against those transformers computed for the same weights and inputs.</summary>
[Trait("Category", "Golden")]
public class GoldenCtcTests(ITestOutputHelper output)
{
    const double Tolerance = 1e-4;

    [Theory]
    [MemberData(nameof(HfFixtures.CtcFoldersAndFormats), MemberType = typeof(HfFixtures))]
    public void Ctc_outputs_match_transformers(string folder, string format)
    {
        using var scope = NewDisposeScope();
        var expected = HfFixtures.Expected(folder);
        var model = HfCheckpoint.LoadCtc(HfFixtures.PathOf(folder), format: format);
        model.eval();
        var diffs = new Dictionary<string, double>();
        using (no_grad())
        {
            var o = model.forward(expected.Get("input_values", folder), expected.Get("attention_mask", folder), outputHiddenStates: true);
            diffs["logits"] = HfFixtures.MaxAbsDiff(o.Logits, expected.Get("logits", folder));
            diffs["last_hidden_state"] = HfFixtures.MaxAbsDiff(o.Body.LastHiddenState, expected.Get("last_hidden_state", folder));
            diffs["extract_features"] = HfFixtures.MaxAbsDiff(o.Body.ExtractFeatures, expected.Get("extract_features", folder));
            var hidden = expected.Get("hidden_states", folder);
            Assert.Equal(hidden.shape[0], o.Body.HiddenStates!.Count);
            for (int i = 0; i < hidden.shape[0]; i++)
                diffs[$"hidden_states[{i}]"] = HfFixtures.MaxAbsDiff(o.Body.HiddenStates[i], hidden[i]);
            var single = model.forward(expected.Get("input_values_single", folder));
            diffs["logits_single"] = HfFixtures.MaxAbsDiff(single.Logits, expected.Get("logits_single", folder));
        }
        foreach (var (name, d) in diffs) output.WriteLine($"{folder} [{format}] {name}: max |diff| = {d:E2}");
        var bad = diffs.Where(kv => !(kv.Value < Tolerance)).Select(kv => $"{kv.Key} {kv.Value:E2}").ToList();
        Assert.True(bad.Count == 0, $"{folder} [{format}]: above {Tolerance}: {string.Join(", ", bad)}");
    }
}
