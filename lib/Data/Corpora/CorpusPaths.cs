namespace Parp.Data.Corpora;

/// <summary>
/// Where generated corpora live. Manifests: <c>data-manifests/CORPUS/LANG/</c> in the repository (committed).
/// Audio: a cache outside git, <c>$PARP_CORPORA</c> if set, else <c>corpora/</c> in the cache
/// (<see cref="Parp.IO.Artifacts.Cache"/>, git-ignored), as <c>CORPUS/LANG/SPLIT/ID.wav</c>. Manifests store the root as the relative
/// <c>CORPUS/LANG</c>, resolved against the cache, so they hold no machine-specific path.
/// </summary>
public sealed record CorpusPaths(string ManifestRoot, string CacheRoot)
{
    public const string CacheVariable = "PARP_CORPORA";

    /// <summary>Paths for this repository checkout (found by walking up to <c>global.json</c>).</summary>
    public static CorpusPaths Default()
    {
        var repo = FindRepositoryRoot();
        var cache = Environment.GetEnvironmentVariable(CacheVariable);
        return new(Path.Combine(repo, "data-manifests"),
                   string.IsNullOrEmpty(cache) ? Path.Combine(Parp.IO.Artifacts.Cache, "corpora") : Path.GetFullPath(cache));
    }

    public static string FindRepositoryRoot() => Parp.IO.Repository.Root();

    public string ManifestDir(string corpus, string language) => Path.Combine(ManifestRoot, corpus, language);
    public string AudioDir(string corpus, string language) => Path.Combine(CacheRoot, corpus, language);
    public static string RelativeRoot(string corpus, string language) => $"{corpus}/{language}";
}
