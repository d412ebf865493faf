namespace Parp.Tests.Support;

/// <summary>A fresh folder under the system temp folder, optionally seeded with copies of files; deleted on dispose.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("parp-test-").FullName;

    public TempDir() { }

    /// <summary>Copies <paramref name="files"/> (all files when none are named) of <paramref name="copyFrom"/> into the folder.</summary>
    public TempDir(string copyFrom, params string[] files)
    {
        foreach (var f in files.Length > 0 ? files.Select(n => System.IO.Path.Combine(copyFrom, n)) : Directory.GetFiles(copyFrom))
            System.IO.File.Copy(f, System.IO.Path.Combine(Path, System.IO.Path.GetFileName(f)));
    }

    public string File(string name) => System.IO.Path.Combine(Path, name);
    public void Dispose() { try { Directory.Delete(Path, recursive: true); } catch (IOException) { } }
}
