using System.Diagnostics;
using System.Globalization;

namespace Parp.IO;

/// <summary>
/// A test hook for crashes in the middle of a write. With <c>PARP_KILL_DURING_WRITE=TEXT:N</c> in the environment, the
/// N-th atomic write of a file whose path contains TEXT stops half-way: the temporary file is cut to half its bytes
/// and the process kills itself (SIGKILL), as a crash or a power cut would leave it. Without the variable it does
/// nothing. The reliability tests use it to show that no half-written checkpoint, mask or result is ever trusted.
/// </summary>
public static class FaultInjection
{
    public const string Variable = "PARP_KILL_DURING_WRITE";
    static int writes;

    /// <summary>Called by a writer once <paramref name="temporary"/> holds the new content of <paramref name="path"/>,
    /// before it takes the file's place.</summary>
    public static void BeforePublishing(string path, string temporary)
    {
        var spec = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(spec)) return;
        int colon = spec.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(spec[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int n))
            throw new InvalidOperationException($"{Variable}='{spec}' is not TEXT:N");
        if (!path.Replace('\\', '/').Contains(spec[..colon], StringComparison.Ordinal)) return;
        if (Interlocked.Increment(ref writes) != n) return;
        if (File.Exists(temporary))
            using (var file = new FileStream(temporary, FileMode.Open, FileAccess.Write)) file.SetLength(file.Length / 2);
        // Straight to the process's stderr: a notebook kernel redirects Console.Error into the cell's output.
        using (var stderr = Console.OpenStandardError())
            stderr.Write(System.Text.Encoding.UTF8.GetBytes($"{Variable}: killing this process half-way through writing {path}\n"));
        Process.GetCurrentProcess().Kill();   // SIGKILL: no finally block, no flush, no cleanup runs
        Thread.Sleep(Timeout.Infinite);
    }
}
