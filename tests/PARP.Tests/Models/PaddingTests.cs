using Parp.Models.Checkpoints;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Parp.Tests.Models;

/// <summary>What an attention mask does, on the repository's own fixtures (tiny-large-ctc: layer norm; tiny-base-ctc: group norm).</summary>
public class PaddingTests(ITestOutputHelper output)
{
    const double Tolerance = 1e-4;

    /// <summary>Row 1 of the fixture batch (2400 real samples, then zeros) against the same samples run alone.</summary>
    (double diff, long frames) PaddedRowVersusAlone(string folder, bool useMask)
    {
        using var scope = NewDisposeScope();
        var expected = HfFixtures.Expected(folder, builtIn: true);
        var model = HfCheckpoint.LoadCtc(HfFixtures.PathOf(folder, builtIn: true));
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

    [Fact]
    public void Layer_norm_model_gives_a_padded_row_the_outputs_of_the_unpadded_clip()
    {
        const string folder = "tiny-large-ctc";
        var (d, frames) = PaddedRowVersusAlone(folder, useMask: true);
        output.WriteLine($"{folder}: padded row vs alone over {frames} frames: max |diff| = {d:E2}");
        Assert.True(d < Tolerance, $"padded row differs from the unpadded run by {d:E2}");
        var (unmasked, _) = PaddedRowVersusAlone(folder, useMask: false);
        Assert.True(unmasked > 1e-3, $"without the attention mask the padding should change the outputs (diff {unmasked:E2})");
    }

    [Fact]
    public void Group_norm_model_sees_padding_even_with_a_mask()
    {
        const string folder = "tiny-base-ctc";
        // GroupNorm after conv 0 normalises over every sample, padding included, in HF and fairseq alike; that is why
        // BASE-style checkpoints are run without attention masks. The golden test checks the masked numerics.
        var (d, frames) = PaddedRowVersusAlone(folder, useMask: true);
        output.WriteLine($"{folder}: padded row vs alone over {frames} frames: max |diff| = {d:E2}");
        Assert.True(d > 1e-3, $"expected the group norm to see the padding; diff {d:E2}");
    }
}
