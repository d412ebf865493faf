namespace Parp.IO;

/// <summary>
/// Writes a file under a temporary name in the same folder and renames it over the target, so a crash
/// or an exception never leaves a half-written file where a good one was (docs/design.md §4).
/// </summary>
public static class AtomicFile
{
    /// <summary>
    /// Calls <paramref name="writeTemporaryFile"/> with a temporary path beside <paramref name="path"/>, then renames
    /// that file over the target. For writers that take a path (safetensors, say).
    /// </summary>
    public static void WriteVia(string path, Action<string> writeTemporaryFile)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            writeTemporaryFile(temp);
            FaultInjection.BeforePublishing(full, temp);
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { /* best effort: the target is untouched either way */ }
            throw;
        }
    }

    /// <summary>
    /// Deletes the temporary files and folders that writers of a process that died left in <paramref name="folder"/>
    /// (<c>.NAME.PID.GUID.tmp</c> of a process that no longer runs). Those of live processes are left alone.
    /// </summary>
    public static void RemoveStaleTemporaries(string folder)
    {
        if (!Directory.Exists(folder)) return;
        foreach (var entry in Directory.EnumerateFileSystemEntries(folder, ".*.tmp"))
        {
            var parts = Path.GetFileName(entry).Split('.');
            if (parts.Length < 4 || !int.TryParse(parts[^3], out int pid) || IsRunning(pid)) continue;
            try
            {
                if (Directory.Exists(entry)) Directory.Delete(entry, recursive: true);
                else File.Delete(entry);
            }
            catch (IOException) { /* best effort: another cleaner got there first */ }
        }
    }

    static bool IsRunning(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        try { using var p = System.Diagnostics.Process.GetProcessById(pid); return !p.HasExited; }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    public static void Write(string path, Action<Stream> write) =>
        WriteVia(path, temp =>
        {
            using var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            write(stream);
            stream.Flush(flushToDisk: true);
        });

    public static void WriteAllText(string path, string text) =>
        Write(path, s => { using var w = new StreamWriter(s, new System.Text.UTF8Encoding(false), leaveOpen: true); w.Write(text); });

    public static void WriteAllLines(string path, IEnumerable<string> lines) =>
        Write(path, s =>
        {
            using var w = new StreamWriter(s, new System.Text.UTF8Encoding(false), leaveOpen: true) { NewLine = "\n" };
            foreach (var line in lines) w.WriteLine(line);
        });
}
