using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Parp.Runtime;

/// <summary>
/// Keeps LibTorch's oneDNN off the AMX units for bf16. On an Intel Xeon with AMX (family 6, model 207) the bf16 matrix
/// products of TorchSharp's LibTorch gave Tiny's logits 0.45 away from float32's on a scale of 1.3, and mixed-bf16
/// gradients at cosine 0.94 from float32's; capped at AVX512_CORE_BF16 they agree as on other processors (measured
/// 2026-12-01, tests/PARP.Tests/Models/DTypeTests.cs and AutocastTests.cs). oneDNN reads <c>ONEDNN_MAX_CPU_ISA</c>
/// from the native environment on first use, so it is set there when the library loads, unless the user set it.
/// The cap changes nothing on processors without AMX.
/// </summary>
public static class OneDnnIsa
{
    public const string Variable = "ONEDNN_MAX_CPU_ISA";
    public const string Cap = "AVX512_CORE_BF16";

#pragma warning disable CA2255 // deliberate: the cap must be in place before LibTorch's first matrix product
    [ModuleInitializer]
    internal static void CapOnLoad()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64) return;
        try { setenv(Variable, Cap, overwrite: 0); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
    }
#pragma warning restore CA2255

    // .NET's Environment.SetEnvironmentVariable does not reach the native environment on Linux; libc's setenv does.
    [DllImport("libc", CharSet = CharSet.Ansi)]
    static extern int setenv(string name, string value, int overwrite);
}
