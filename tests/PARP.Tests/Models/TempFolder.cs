namespace Parp.Tests.Models;

/// <summary>A temporary folder, optionally seeded with a copy of a fixture folder; deleted on dispose.</summary>
public sealed class TempFolder : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "parp-test-" + Guid.NewGuid().ToString("N"));

    public TempFolder(string? copyFrom = null, params string[] files)
    {
        Directory.CreateDirectory(Path);
        if (copyFrom is null) return;
        foreach (var f in files.Length > 0 ? files.Select(n => System.IO.Path.Combine(copyFrom, n)) : Directory.GetFiles(copyFrom))
            File.Copy(f, System.IO.Path.Combine(Path, System.IO.Path.GetFileName(f)));
    }

    public string File_(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
