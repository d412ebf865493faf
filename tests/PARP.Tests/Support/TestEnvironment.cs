using System.Runtime.CompilerServices;
using Parp.IO;

namespace Parp.Tests.Support;

/// <summary>
/// Every test in this process shares one cache of generated speech: the repository's <c>artifacts/cache/corpora</c>.
/// The in-process notebook host sets <c>PARP_ARTIFACTS</c> and <c>PARP_CACHE</c> while a host test runs, and the other
/// tests run beside it; the audio is their common input, so it must not move with a host test's outputs.
/// </summary>
static class TestEnvironment
{
    [ModuleInitializer]
    internal static void ShareGeneratedSpeech()
    {
        const string variable = Parp.Data.Corpora.CorpusPaths.CacheVariable;
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(variable)))
            Environment.SetEnvironmentVariable(variable, Path.Combine(Repository.Root(), "artifacts", "cache", "corpora"));
    }
}
