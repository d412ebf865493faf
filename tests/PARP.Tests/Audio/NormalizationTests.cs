using Parp.Audio;

namespace Parp.Tests.Audio;

public class NormalizationTests
{
    [Fact]
    public void Matches_the_hugging_face_formula()
    {
        float[] x = [1, 2, 3, 4];
        // mean 2.5, population variance 1.25: (x − 2.5) / sqrt(1.25 + 1e-7)
        var y = Normalization.ZeroMeanUnitVariance(x);
        double s = Math.Sqrt(1.25 + 1e-7);
        Assert.Equal(new[] { -1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s }, y.Select(v => (double)v), new ToleranceComparer(1e-6));
    }

    [Fact]
    public void Constant_signal_becomes_zeros_not_nan()
    {
        var y = Normalization.ZeroMeanUnitVariance([0.3f, 0.3f, 0.3f]);
        Assert.All(y, v => Assert.Equal(0f, v, 5));
    }

    sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= tolerance;
        public int GetHashCode(double v) => 0;
    }
}
