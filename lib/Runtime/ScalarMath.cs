using TorchSharp;
using static TorchSharp.torch;

namespace Parp.Runtime;

/// <summary>
/// Tensor arithmetic with numbers that is safe from TorchSharp 0.107's Scalar race. TorchSharp hands a Scalar's native
/// handle to LibTorch and then holds no reference to it, so a Scalar nothing else references can be finalised by the GC
/// while LibTorch still reads it (dotnet/TorchSharp pull requests 1434 and 1496). Such temporaries come from implicit
/// conversions in our code (<c>t * 0.5</c>, <c>masked_fill(m, 0)</c>) and inside TorchSharp itself: <c>a + b</c> is
/// <c>add(b, alpha: 1)</c> with a temporary 1. Here every number becomes a Scalar in a <c>using</c> variable for the whole
/// call, and constants are static. The test <c>ScalarLifetimeTests</c> finds any other use in lib/, host/ and tools/.
/// Each method computes exactly what the operator it replaces computes.
/// </summary>
public static class ScalarMath
{
    /// <summary>Constants, alive as long as the process.</summary>
    public static readonly Scalar Zero = 0.ToScalar(), One = 1.ToScalar();

    /// <summary><c>a + b</c>.</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, One);

    /// <summary><c>a += b</c> in place.</summary>
    public static Tensor PlusInPlace(this Tensor a, Tensor b) => a.add_(b, One);

    /// <summary><c>a + x</c>.</summary>
    public static Tensor Plus(this Tensor a, double x) => With(x, s => a.add(s, One));

    /// <summary><c>a + x</c> for integer tensors (an integer Scalar keeps the dtype).</summary>
    public static Tensor Plus(this Tensor a, long x) => With(x, s => a.add(s, One));

    /// <summary><c>a - x</c> for integer tensors.</summary>
    public static Tensor Minus(this Tensor a, long x) => With(x, s => a.sub(s));

    /// <summary><c>a * x</c>.</summary>
    public static Tensor Times(this Tensor a, double x) => With(x, s => a.mul(s));

    /// <summary><c>a * x</c> for integer tensors.</summary>
    public static Tensor Times(this Tensor a, long x) => With(x, s => a.mul(s));

    /// <summary><c>a / x</c>.</summary>
    public static Tensor DividedBy(this Tensor a, double x) => With(x, s => a.div(s));

    /// <summary><c>x - a</c> (TorchSharp's operator computes it as <c>-a + x</c>, and so does this).</summary>
    public static Tensor Subtracted(this Tensor a, double x) => With(x, s => a.negative().add(s, One));

    /// <summary><c>x - a</c> for integer tensors.</summary>
    public static Tensor Subtracted(this Tensor a, long x) => With(x, s => a.negative().add(s, One));

    /// <summary><c>a ^ exponent</c> with an integer exponent.</summary>
    public static Tensor Power(this Tensor a, long exponent) => With(exponent, s => a.pow(s));

    // The number as a Scalar that lives until the operation has returned.
    static Tensor With(double x, Func<Scalar, Tensor> operation)
    {
        using var s = x.ToScalar();
        return operation(s);
    }

    static Tensor With(long x, Func<Scalar, Tensor> operation)
    {
        using var s = x.ToScalar();
        return operation(s);
    }
}
