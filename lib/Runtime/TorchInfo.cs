using TorchSharp;
using static TorchSharp.torch;

namespace Parp.Runtime;

/// <summary>What TorchSharp runs on here: versions and the device the library will use.</summary>
public sealed record TorchInfo(string TorchSharpVersion, string LibTorchVersion, string Device, bool CudaAvailable, int CudaDevices, int Threads)
{
    public static TorchInfo Current()
    {
        bool cuda = torch.cuda.is_available();
        return new TorchInfo(
            TorchSharpVersion: typeof(torch).Assembly.GetName().Version?.ToString(3) ?? "unknown",
            LibTorchVersion: torch.__version__,
            Device: DefaultDevice().ToString(),
            CudaAvailable: cuda,
            CudaDevices: cuda ? torch.cuda.device_count() : 0,
            Threads: torch.get_num_threads());
    }

    /// <summary>CUDA when LibTorch sees a GPU, else the CPU. PARP_DEVICE=cpu|cuda|cuda:N overrides.</summary>
    public static Device DefaultDevice()
    {
        var requested = Environment.GetEnvironmentVariable("PARP_DEVICE");
        if (!string.IsNullOrWhiteSpace(requested)) return torch.device(requested);
        return torch.cuda.is_available() ? CUDA : CPU;
    }

    /// <summary>A notebook's <c>device</c> parameter: "auto" is <see cref="DefaultDevice"/>, anything else a LibTorch
    /// device name (cpu, cuda, cuda:1).</summary>
    public static Device Resolve(string device) => device == "auto" ? DefaultDevice() : torch.device(device);
}
