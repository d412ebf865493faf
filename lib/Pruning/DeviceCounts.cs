using Parp.Runtime;
using static TorchSharp.torch;

namespace Parp.Pruning;

/// <summary>
/// Integer counts summed where the tensors live and read back to the host once. A count read per tensor
/// (<c>.item()</c>) makes the host wait for the GPU at every read, and a pool has hundreds of tensors: on an H200 a
/// BASE re-prune spent most of its 205 ms in such waits (docs/PERFORMANCE.md).
/// </summary>
sealed class DeviceCounts(int width) : IDisposable
{
    Tensor? sums;

    /// <summary>Adds one row of <c>width</c> integer scalars (0-dim tensors on one device, e.g. <c>mask.sum()</c>).</summary>
    public void Add(params Tensor[] counts)
    {
        if (counts.Length != width) throw new ArgumentException($"expected {width} counts, got {counts.Length}");
        using var scope = NewDisposeScope();
        var row = stack(counts.Select(c => c.to_type(ScalarType.Int64)).ToArray());
        if (sums is null) sums = row.DetachFromDisposeScope();
        else sums.PlusInPlace(row.to(sums.device));
    }

    /// <summary>The sums (zeros when nothing was added): the one wait for the device.</summary>
    public long[] Read() => sums is null ? new long[width] : sums.cpu().data<long>().ToArray();

    public void Dispose() => sums?.Dispose();
}
