namespace Parp.Tests.Support;

/// <summary>A fact that is skipped, with a message saying which package to install, when a file or folder is missing.</summary>
public sealed class RequiresPathFactAttribute : FactAttribute
{
    public RequiresPathFactAttribute(string path, string package)
    {
        if (!File.Exists(path) && !Directory.Exists(path))
            Skip = $"{path} is missing (apt-get install {package}); CI installs it.";
    }
}
