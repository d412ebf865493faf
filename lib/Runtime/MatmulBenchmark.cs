using System.Diagnostics;
using Microsoft.Data.Analysis;
using static TorchSharp.torch;

namespace Parp.Runtime;

/// <summary>One measured matrix size: the median time of a square matmul and its throughput.</summary>
public sealed record MatmulTiming(int Size, string DType, string Device, double MedianMilliseconds, double Gflops);

/// <summary>
/// Square matrix multiplications timed on the chosen device: a first look at what this machine can do
/// (the toolchain notebook plots it). Medians of several repeats after a warm-up.
/// </summary>
public static class MatmulBenchmark
{
    public static IReadOnlyList<MatmulTiming> Run(IEnumerable<int> sizes, Device? device = null, ScalarType dtype = ScalarType.Float32, int repeats = 5)
    {
        device ??= TorchInfo.DefaultDevice();
        var results = new List<MatmulTiming>();
        foreach (var n in sizes)
        {
            using var scope = NewDisposeScope();
            var a = randn(n, n, dtype: dtype, device: device);
            var b = randn(n, n, dtype: dtype, device: device);
            for (int w = 0; w < 2; w++) a.matmul(b).Dispose(); // warm-up: first calls allocate and start threads
            var times = new List<double>();
            for (int r = 0; r < repeats; r++)
            {
                Synchronize(device);
                var watch = Stopwatch.StartNew();
                using (var c = a.matmul(b)) Synchronize(device);
                times.Add(watch.Elapsed.TotalMilliseconds);
            }
            times.Sort();
            double median = times[times.Count / 2];
            results.Add(new MatmulTiming(n, dtype.ToString(), device.ToString(), median, 2.0 * n * n * n / (median * 1e6)));
        }
        return results;
    }

    public static DataFrame ToDataFrame(IEnumerable<MatmulTiming> timings)
    {
        var list = timings.ToList();
        return new DataFrame(
            new Int32DataFrameColumn("size", list.Select(t => t.Size)),
            new StringDataFrameColumn("dtype", list.Select(t => t.DType)),
            new StringDataFrameColumn("device", list.Select(t => t.Device)),
            new DoubleDataFrameColumn("median_ms", list.Select(t => Math.Round(t.MedianMilliseconds, 3))),
            new DoubleDataFrameColumn("gflops", list.Select(t => Math.Round(t.Gflops, 1))));
    }

    static void Synchronize(Device device)
    {
        if (device.type == TorchSharp.DeviceType.CUDA) TorchSharp.torch.cuda.synchronize(device);
    }
}
