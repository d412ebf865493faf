using System.Diagnostics;
using System.Globalization;

namespace Parp.IO;

/// <summary>
/// One worker's claim on a piece of cached work (a run, IMP's chain, a language's generated audio), so that workers
/// sharing a cache (notebooks, sweep tasks on a cluster's shared filesystem) never do it twice: an exclusive lock on
/// <c>NAME.claim</c> beside the work, held while the work is done. The lock is the operating system's (.NET takes
/// <c>flock</c> for a file opened with <see cref="FileShare.None"/>), so a worker that crashes or is killed holds
/// nothing: the kernel (on NFS, the server when the client's lease ends) releases it. <c>NAME.claim.holder</c> names the
/// holder (host, process, since) for a waiting worker's message. On a shared filesystem the lock needs one that supports
/// <c>flock</c> (NFSv4, GPFS, BeeGFS; Lustre mounted with <c>flock</c>).
/// </summary>
public sealed class WorkClaim : IDisposable
{
    readonly FileStream stream;
    public string Path { get; }

    WorkClaim(string path, FileStream stream) { Path = path; this.stream = stream; }

    /// <summary>The claim file of the work at <paramref name="workPath"/> (a run's or a chain's cache folder).</summary>
    public static string FileOf(string workPath) => System.IO.Path.TrimEndingDirectorySeparator(workPath) + ".claim";

    /// <summary>The claim on <paramref name="workPath"/>, or null when another worker holds it.</summary>
    public static WorkClaim? TryAcquire(string workPath)
    {
        var path = FileOf(workPath);
        if (Lock(path) is not { } stream) return null;
        // Who holds it goes to a file of its own: the locked one cannot be read by others (.NET locks readers too).
        AtomicFile.WriteAllText(path + ".holder", string.Create(CultureInfo.InvariantCulture,
            $"{Environment.MachineName} process {Environment.ProcessId} since {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} UTC"));
        return new WorkClaim(path, stream);
    }

    // The exclusive lock on the claim file, or null when another worker holds it.
    static FileStream? Lock(string path)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        try { return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
        catch (IOException) when (File.Exists(path)) { return null; }   // held: the lock is taken
    }

    /// <summary>
    /// The claim on <paramref name="workPath"/>, waiting while another worker holds it, trying again every
    /// <paramref name="poll"/> (default 2 s); <paramref name="waiting"/> hears who holds it at once, then every 30 s.
    /// </summary>
    public static WorkClaim Acquire(string workPath, CancellationToken cancellation = default, Action<string>? waiting = null, TimeSpan? poll = null)
    {
        var clock = Stopwatch.StartNew();
        for (int attempt = 0; ; attempt++)
        {
            if (TryAcquire(workPath) is { } claim) return claim;
            if (attempt == 0 || clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                waiting?.Invoke($"waiting for {Holder(workPath) ?? "another worker"}, which holds {FileOf(workPath)}");
                clock.Restart();
            }
            cancellation.WaitHandle.WaitOne(poll ?? TimeSpan.FromSeconds(2));
            cancellation.ThrowIfCancellationRequested();
        }
    }

    /// <summary>Who holds the claim on <paramref name="workPath"/> (as its file says), or null when no one does.</summary>
    public static string? Holder(string workPath)
    {
        var path = FileOf(workPath);
        if (!File.Exists(path)) return null;
        // A probe that finds it free leaves the holder file alone: it names the last holder, not the one asking.
        using (var free = Lock(path)) if (free is not null) return null;
        try { return File.ReadAllText(path + ".holder") is { Length: > 0 } holder ? holder : "another worker"; }
        catch (IOException) { return "another worker"; }
    }

    /// <summary>Releases the claim. The file stays (removing it could let two workers lock two different files).</summary>
    public void Dispose() => stream.Dispose();
}
