using static TorchSharp.torch;

namespace Parp.Tests.Support;

public static class Bits
{
    /// <summary>Same shape and every element equal (float ==: bit identity apart from ±0 and NaN).</summary>
    public static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();
}
