using Parp.Audio;

namespace Parp.Tests.Support;

/// <summary>
/// A fact that is skipped, with a message saying what to install, when a command-line tool is missing.
/// Arguments come in pairs: program, Debian package. CI installs every tool (environment/), so there the test runs.
/// </summary>
public sealed class RequiresProgramFactAttribute : FactAttribute
{
    public RequiresProgramFactAttribute(params string[] programAndPackage) => Skip = RequiredPrograms.Missing(programAndPackage);
}

/// <summary>A theory that is skipped like <see cref="RequiresProgramFactAttribute"/> when a command-line tool is missing.</summary>
public sealed class RequiresProgramTheoryAttribute : TheoryAttribute
{
    public RequiresProgramTheoryAttribute(params string[] programAndPackage) => Skip = RequiredPrograms.Missing(programAndPackage);
}

static class RequiredPrograms
{
    /// <summary>Null when every program is installed, else the skip message.</summary>
    public static string? Missing(string[] programAndPackage)
    {
        if (programAndPackage.Length == 0 || programAndPackage.Length % 2 != 0)
            throw new ArgumentException("pass pairs of program and package");
        var missing = Enumerable.Range(0, programAndPackage.Length / 2)
            .Where(i => !ExternalProgram.IsAvailable(programAndPackage[2 * i]))
            .Select(i => $"'{programAndPackage[2 * i]}' (apt-get install {programAndPackage[2 * i + 1]})").ToList();
        return missing.Count > 0 ? $"not installed: {string.Join(", ", missing)}; CI installs them." : null;
    }
}
