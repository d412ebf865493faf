using System.ComponentModel;
using System.Diagnostics;

namespace Parp.Audio;

/// <summary>
/// Runs a command-line tool (flac, espeak-ng) with arguments passed as a list (no shell, no quoting bugs)
/// and collects its stdout as bytes. A missing program gets an error that says which package provides it.
/// </summary>
public static class ExternalProgram
{
    public sealed record Result(int ExitCode, byte[] Stdout, string Stderr);

    /// <summary>True when <paramref name="program"/> is an executable on PATH.</summary>
    public static bool IsAvailable(string program) => Locate(program) is not null;

    public static string? Locate(string program)
    {
        if (program.Contains('/')) return File.Exists(program) ? program : null;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = System.IO.Path.Combine(dir, program);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <param name="program">The program's name (looked up on PATH) or path.</param>
    /// <param name="arguments">Arguments, passed as they are (no shell).</param>
    /// <param name="installHint">Appended to the "not found" error, e.g. "apt-get install flac".</param>
    public static Result Run(string program, IEnumerable<string> arguments, string installHint)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        Process process;
        try { process = Process.Start(info) ?? throw new Win32Exception($"could not start {program}"); }
        catch (Win32Exception e)
        {
            throw new FileNotFoundException(
                $"The program '{program}' is needed but was not found on PATH ({installHint}).", program, e);
        }
        using (process)
        {
            // Read stderr concurrently so a chatty tool cannot fill its pipe and deadlock us.
            var stderr = process.StandardError.ReadToEndAsync();
            using var stdout = new MemoryStream();
            process.StandardOutput.BaseStream.CopyTo(stdout);
            process.WaitForExit();
            return new Result(process.ExitCode, stdout.ToArray(), stderr.Result);
        }
    }
}
