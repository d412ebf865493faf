using Parp.Audio;

namespace Parp.Tests.Support;

/// <summary>
/// A fact that is skipped, with a message saying what to install, when a command-line tool is missing.
/// CI installs every tool (environment/), so there the test always runs.
/// </summary>
public sealed class RequiresProgramFactAttribute : FactAttribute
{
    public RequiresProgramFactAttribute(string program, string package)
    {
        if (!ExternalProgram.IsAvailable(program))
            Skip = $"'{program}' is not installed (apt-get install {package}); CI installs it.";
    }
}
