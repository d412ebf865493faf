namespace Parp.IO;

/// <summary>
/// Where the project's outputs go. <c>$PARP_ARTIFACTS</c> if set (the notebook host sets it from <c>--artifacts</c>),
/// else <c>artifacts/</c> in the repository: the report, the executed notebooks and each experiment's results and
/// figures (<c>experiments/NAME/</c>). The cache of runs, corpora and demos is <c>$PARP_CACHE</c> if set (the host's
/// <c>--cache</c>), else <c>cache/</c> inside the artifacts folder; so two checkouts or two users with their own
/// folders never write into each other's results. Read at every call: the host sets them before a notebook runs.
/// </summary>
public static class Artifacts
{
    public const string Variable = "PARP_ARTIFACTS", CacheVariable = "PARP_CACHE";

    public static string Root => FromEnvironment(Variable) ?? Path.Combine(Repository.Root(), "artifacts");

    public static string Cache => FromEnvironment(CacheVariable) ?? Path.Combine(Root, "cache");

    /// <summary>The folder of one experiment's results and figures: <c>experiments/NAME</c>.</summary>
    public static string Experiment(string name) => Path.Combine(Root, "experiments", name);

    static string? FromEnvironment(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? Path.GetFullPath(value) : null;
}
