using Parp.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Parp.Tests.Runtime;

public class TorchSharpLoadsTests
{
    [Fact]
    public void LibTorch_loads_and_multiplies_matrices()
    {
        using var scope = NewDisposeScope();
        var a = tensor(new float[] { 1, 2, 3, 4 }, 2, 2);
        var b = tensor(new float[] { 5, 6, 7, 8 }, 2, 2);
        var c = a.matmul(b);
        Assert.Equal(new float[] { 19, 22, 43, 50 }, c.data<float>().ToArray());
    }

    [Fact]
    public void Autograd_computes_a_gradient()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new float[] { 1, -2, 3 }, requires_grad: true);
        (x * x).sum().backward();
        Assert.Equal(new float[] { 2, -4, 6 }, x.grad!.data<float>().ToArray());
    }

    [Fact]
    public void TorchInfo_reports_the_libtorch_version()
    {
        var info = TorchInfo.Current();
        Assert.StartsWith("2.10", info.LibTorchVersion);
        Assert.Equal("0.107.0", info.TorchSharpVersion);
    }
}
