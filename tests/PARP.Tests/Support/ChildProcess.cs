using System.Diagnostics;

namespace Parp.Tests.Support;

/// <summary>
/// Child processes of the tests, started in the test binaries' folder. A notebook run moves the whole test process into
/// the notebook's temporary folder for a while (NotebookExecutor), so a child started then would inherit a folder that
/// is deleted under it; LibTorch's MKL then fails at its first call ("Intel oneMKL FATAL ERROR: Cannot load
/// libtorch_cpu.so") and .NET cannot resolve a relative path.
/// </summary>
public static class ChildProcess
{
    /// <summary>The start info for <paramref name="program"/> with <paramref name="arguments"/>, output redirected.</summary>
    public static ProcessStartInfo Info(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        return start;
    }

    public static Process Start(string program, params string[] arguments) => Process.Start(Info(program, arguments))!;
}
