using Parp.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Parp.Models;

/// <summary>Frame counts and frame masks from sample counts and sample-level attention masks.</summary>
public static class FrameLengths
{
    /// <summary>Frames the feature encoder makes from <paramref name="samples"/>: L ← ⌊(L − kernel)/stride⌋ + 1 per layer.</summary>
    public static long FromSamples(Wav2Vec2Config c, long samples)
    {
        long length = samples;
        for (int i = 0; i < c.ConvKernel.Length; i++) length = FloorDiv(length - c.ConvKernel[i], c.ConvStride[i]) + 1;
        return length;
    }

    // torch.div(rounding_mode="floor") also for a negative numerator (a clip shorter than a kernel)
    static long FloorDiv(long a, long b) => a >= 0 ? a / b : -((-a + b - 1) / b);

    /// <summary>Tensor version of <see cref="FromSamples(Wav2Vec2Config, long)"/> (int64, same device).</summary>
    public static Tensor FromSamples(Wav2Vec2Config c, Tensor samples)
    {
        var length = samples.to_type(ScalarType.Int64);
        for (int i = 0; i < c.ConvKernel.Length; i++)
        {
            using var stride = c.ConvStride[i].ToScalar();
            length = length.Minus(c.ConvKernel[i]).div(stride, rounding_mode: RoundingMode.floor).Plus(1L);
        }
        return length;
    }

    /// <summary>
    /// Frame mask [B, frames] (true = real frame) from a sample mask [B, samples] (1 = real sample), as HF's
    /// _get_feature_vector_attention_mask: a row keeps the first f frames, f = frames of its real sample count.
    /// </summary>
    public static Tensor FrameMask(Wav2Vec2Config c, Tensor sampleMask, long frames)
    {
        using var scope = NewDisposeScope();
        var lengths = FromSamples(c, sampleMask.to_type(ScalarType.Int64).sum(-1));
        using var end = frames.ToScalar();
        var positions = arange(ScalarMath.Zero, end, ScalarMath.One, dtype: ScalarType.Int64, device: sampleMask.device).unsqueeze(0);
        return scope.MoveToOuter(positions < lengths.unsqueeze(1));
    }

    /// <summary>Throws when a clip is too short for one frame (the receptive field: 400 samples for BASE).</summary>
    public static void RequireOneFrame(Wav2Vec2Config c, long samples, string what = "input_values")
    {
        if (FromSamples(c, samples) < 1)
            throw new ArgumentException(
                $"{what}: {samples} samples is shorter than the feature encoder's receptive field of {c.ReceptiveField} samples, so no frame can be computed.");
    }
}
