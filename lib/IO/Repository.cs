namespace Parp.IO;

/// <summary>Where this repository's checkout is: found by walking up to the folder with global.json and lib/.</summary>
public static class Repository
{
    public static string Root()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "global.json")) && Directory.Exists(Path.Combine(dir.FullName, "lib")))
                    return dir.FullName;
        throw new DirectoryNotFoundException(
            $"cannot find the PARP repository (a folder with global.json and lib/) above {Environment.CurrentDirectory} or {AppContext.BaseDirectory}");
    }
}
