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

    /// <summary>Row 1 of the fixture batch (2400 real samples, then zeros) against the same samples run alone.</summary>
    (double diff, long frames) PaddedRowVersusAlone(string folder, bool useMask)
    {
        using var scope = NewDisposeScope();
        var expected = HfFixtures.Expected(folder);
        var model = HfCheckpoint.LoadCtc(HfFixtures.PathOf(folder));
        model.eval();
        using var _ = no_grad();
        var input = expected.Get("input_values", folder);
        var mask = expected.Get("attention_mask", folder);
        long real = mask[1].sum().item<long>();
        var batch = model.forward(input, useMask ? mask : null).Logits;
        var alone = model.forward(input[1..2, ..(int)real]).Logits;
        long frames = alone.shape[1];
        return (HfFixtures.MaxAbsDiff(batch[1..2, ..(int)frames], alone), frames);
    }

    [Theory]
    [MemberData(nameof(HfFixtures.CtcFoldersWithNorm), "layer", MemberType = typeof(HfFixtures))]
    public void Layer_norm_model_gives_a_padded_row_the_outputs_of_the_unpadded_clip(string folder)
    {
        var (d, frames) = PaddedRowVersusAlone(folder, useMask: true);
        output.WriteLine($"{folder}: padded row vs alone over {frames} frames: max |diff| = {d:E2}");
        Assert.True(d < Tolerance, $"padded row differs from the unpadded run by {d:E2}");
        var (unmasked, _) = PaddedRowVersusAlone(folder, useMask: false);
        Assert.True(unmasked > 1e-3, $"without the attention mask the padding should change the outputs (diff {unmasked:E2})");
    }

    [Theory]
    [MemberData(nameof(HfFixtures.CtcFoldersWithNorm), "group", MemberType = typeof(HfFixtures))]
    public void Group_norm_model_sees_padding_even_with_a_mask(string folder)
    {
        // GroupNorm after conv 0 normalises over every sample, padding included, in HF and fairseq alike; that is why
        // BASE-style checkpoints are run without attention masks. The golden test checks the masked numerics.
        var (d, frames) = PaddedRowVersusAlone(folder, useMask: true);
        output.WriteLine($"{folder}: padded row vs alone over {frames} frames: max |diff| = {d:E2}");
        Assert.True(d > 1e-3, $"expected the group norm to see the padding; diff {d:E2}");
    }
}
