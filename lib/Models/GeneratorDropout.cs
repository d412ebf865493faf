using Parp.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Parp.Models;

/// <summary>
/// Dropout whose draws come from the model's own <see cref="Generator"/> (reseeded by the trainer every update) when the
/// tensor is on the CPU, so that runs training at once in one process never share a random stream and each gives what
/// it gives alone. Elsewhere, or without a generator, it is LibTorch's dropout on the global generator (TorchSharp 0.107
/// makes every Generator a CPU one, and drawing on the host for a GPU tensor would be slow).
/// </summary>
public sealed class GeneratorDropout(double p) : nn.Module<Tensor, Tensor>(nameof(GeneratorDropout))
{
    public double P => p;
    public Generator? Generator { get; set; }

    public override Tensor forward(Tensor x) => Apply(x, p, training, Generator);

    /// <summary>x with each value zeroed with probability <paramref name="p"/> and the rest scaled by 1/(1 − p).</summary>
    public static Tensor Apply(Tensor x, double p, bool training, Generator? generator)
    {
        if (!training || p == 0) return x;
        if (generator is null || x.device_type != DeviceType.CPU) return nn.functional.dropout(x, p, training: true);
        using var scope = NewDisposeScope();
        using var threshold = p.ToScalar();
        var keep = rand(x.shape, generator: generator).ge(threshold);      // kept with probability 1 − p
        return scope.MoveToOuter(x.mul(keep).DividedBy(1 - p));
    }
}
