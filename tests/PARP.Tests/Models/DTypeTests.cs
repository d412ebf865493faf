using Parp.Models.Checkpoints;
using static TorchSharp.torch;

namespace Parp.Tests.Models;

public class DTypeTests
{
    [Fact]
    public void Bfloat16_model_stays_close_to_the_float32_reference()
    {
        using var scope = NewDisposeScope();
        var e = HfFixtures.Expected("tiny-base-ctc", builtIn: true);
        var model = HfCheckpoint.LoadCtc(HfFixtures.PathOf("tiny-base-ctc", builtIn: true), dtype: ScalarType.BFloat16);
        model.eval();
        using var _ = no_grad();
        var logits = model.forward(e["input_values_single"].to_type(ScalarType.BFloat16)).Logits;
        Assert.Equal(ScalarType.BFloat16, logits.dtype);
        var expected = e["logits_single"];
        double scale = expected.abs().max().item<float>();
        double diff = HfFixtures.MaxAbsDiff(logits, expected);
        Assert.True(diff < 0.05 * scale, $"bf16 logits differ by {diff} (scale {scale})");
    }
}
