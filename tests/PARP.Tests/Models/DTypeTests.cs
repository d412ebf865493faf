using Parp.Models;
using Parp.Models.Checkpoints;
using Parp.Tests.Support;
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

/// <summary>Mixed precision by hand (<see cref="Autocast"/>): bf16 products on float32 weights.</summary>
public class AutocastTests
{
    static Wav2Vec2ForCtc Load() => HfCheckpoint.LoadCtc(HfFixtures.PathOf("tiny-base-ctc", builtIn: true));

    [Fact]
    public void Autocast_runs_the_products_in_bf16_on_float32_weights_close_to_the_reference()
    {
        using var scope = NewDisposeScope();
        var e = HfFixtures.Expected("tiny-base-ctc", builtIn: true);
        var model = Load();
        model.eval();
        using var _ = no_grad();
        var plain = model.forward(e["input_values_single"]).Logits;
        Tensor mixed;
        using (Autocast.To(ScalarType.BFloat16)) mixed = model.forward(e["input_values_single"]).Logits;
        Assert.Equal(ScalarType.BFloat16, mixed.dtype);
        Assert.All(model.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        var expected = e["logits_single"];
        double scale = expected.abs().max().item<float>();
        double diff = HfFixtures.MaxAbsDiff(mixed.to_type(ScalarType.Float32), expected);
        Assert.True(diff < 0.05 * scale, $"mixed bf16 logits differ by {diff} (scale {scale})");
        Assert.True(diff > 0, "the autocast forward gave float32's numbers exactly: it did not run in bf16");
        // Outside the scope the forward is float32 again, bit for bit what it was before.
        Assert.True(Bits.Same(plain, model.forward(e["input_values_single"]).Logits));
    }

    [Fact]
    public void Gradients_of_an_autocast_forward_are_float32_and_point_where_float32_gradients_do()
    {
        using var scope = NewDisposeScope();
        var e = HfFixtures.Expected("tiny-base-ctc", builtIn: true);
        var model = Load();
        model.FreezeFeatureEncoder();
        model.eval();   // no dropout or masks: the two passes see the same computation
        var input = e["input_values_single"];
        var labels = tensor(new long[] { 5, 6, 7, 8, 9, 10 }, [1, 6]);
        Dictionary<string, Tensor> Gradients(ScalarType? dtype)
        {
            model.zero_grad();
            using (Autocast.To(dtype)) model.forward(input, null, labels).Loss!.backward();
            return model.named_parameters().Where(p => p.parameter.grad is not null).ToDictionary(p => p.name, p => p.parameter.grad!.clone());
        }
        var reference = Gradients(null);
        var mixed = Gradients(ScalarType.BFloat16);
        Assert.Equal(reference.Keys.Order(), mixed.Keys.Order());
        Assert.NotEmpty(reference);
        var a = cat(reference.Values.Select(g => g.flatten()).ToList());
        var b = cat(mixed.Values.Select(g => g.flatten()).ToList());
        Assert.All(mixed.Values, g => Assert.Equal(ScalarType.Float32, g.dtype));
        double cosine = a.dot(b).item<float>() / (a.norm().item<float>() * b.norm().item<float>());
        Assert.True(cosine > 0.99, $"mixed gradients point elsewhere: cosine {cosine}");
    }

    [Fact]
    public void Autocast_is_per_thread_and_restores_what_was_set()
    {
        Assert.Null(Autocast.Dtype);
        using (Autocast.To(ScalarType.BFloat16))
        {
            Assert.Equal(ScalarType.BFloat16, Autocast.Dtype);
            ScalarType? seenElsewhere = ScalarType.Float16;
            var other = new Thread(() => seenElsewhere = Autocast.Dtype);
            other.Start(); other.Join();
            Assert.Null(seenElsewhere);
            using (Autocast.To(null)) Assert.Equal(ScalarType.BFloat16, Autocast.Dtype);   // null leaves the setting
        }
        Assert.Null(Autocast.Dtype);
    }
}
