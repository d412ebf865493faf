using Parp.Experiments;

namespace Parp.Notebooks;

/// <summary>The command line of the notebook host.</summary>
public sealed record HostOptions(
    IReadOnlyList<string> Notebooks,
    string Scale,
    IReadOnlyDictionary<string, string> Parameters,
    string Artifacts,
    string Cache,
    bool Report)
{
    public const string DefaultScale = "tiny";

    public const string Usage = """
        Runs PARP notebooks headless, in order, and writes the executed notebooks and one HTML report.

        usage: dotnet run --project PARP.Notebooks.csproj -c Release -- [options] [notebook ...]

          notebook ...          .ipynb or .dib files, or folders of them (default: every notebook in notebooks/)
          --scale NAME          smoke | tiny | paper (default: tiny); injected as the notebook parameter `scale`
          -p, --param NAME=VAL  set another notebook parameter (repeatable)
          --artifacts DIR       where every output goes: the report, the executed notebooks, each experiment's
                                results and figures, and the cache (default: artifacts/ in the repository)
          --cache DIR           where the cache of fine-tuning runs, corpora and demos goes (default: ARTIFACTS/cache);
                                a finished run there is read back, a stopped one resumes
          --no-report           write the executed notebooks only
          -h, --help            this text

        Every value is checked before any notebook runs. Exit status: 0 when every cell ran, 1 when a cell failed,
        2 for bad arguments or parameters, or unreadable notebooks.
        """;

    /// <summary>Parses arguments; throws <see cref="UsageException"/> with a one-line message on bad input.</summary>
    public static HostOptions Parse(string[] args, string repositoryRoot)
    {
        var notebooks = new List<string>();
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        string scale = DefaultScale;
        string artifacts = Path.Combine(repositoryRoot, "artifacts");
        string? cache = null;
        bool report = true;

        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new UsageException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--scale": scale = Value(); break;
                case "-p" or "--param":
                    var pair = Value();
                    int eq = pair.IndexOf('=');
                    if (eq <= 0) throw new UsageException($"parameter '{pair}' is not NAME=VALUE");
                    parameters[pair[..eq]] = pair[(eq + 1)..];
                    break;
                case "--artifacts": artifacts = Path.GetFullPath(Value()); break;
                case "--cache": cache = Path.GetFullPath(Value()); break;
                case "--no-report": report = false; break;
                case var option when option.StartsWith('-'): throw new UsageException($"unknown option '{option}' (see --help)");
                default: notebooks.Add(args[i]); break;
            }
        }
        if (!ParameterRules.Scales.Contains(scale)) throw new UsageException($"scale '{scale}' is not one of {string.Join(", ", ParameterRules.Scales)}");
        if (parameters.ContainsKey("scale")) throw new UsageException("set the scale with --scale, not -p scale=...");
        parameters["scale"] = scale;

        if (notebooks.Count == 0) notebooks.Add(Path.Combine(repositoryRoot, "notebooks"));
        return new HostOptions(ExpandNotebooks(notebooks), scale, parameters, artifacts, cache ?? Path.Combine(artifacts, "cache"), report);
    }

    // Folders expand to their notebooks in name order (the suite is numbered in reading order).
    static List<string> ExpandNotebooks(IEnumerable<string> paths)
    {
        var result = new List<string>();
        foreach (var path in paths)
        {
            var full = Path.GetFullPath(path);
            if (Directory.Exists(full))
            {
                var found = Directory.EnumerateFiles(full)
                    .Where(IsNotebook)
                    .OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal)
                    .ToList();
                if (found.Count == 0) throw new UsageException($"{path}: folder holds no .ipynb or .dib notebook");
                result.AddRange(found);
            }
            else if (File.Exists(full))
            {
                if (!IsNotebook(full)) throw new UsageException($"{path}: not a notebook (expected .ipynb or .dib)");
                result.Add(full);
            }
            else throw new UsageException($"{path}: no such notebook or folder");
        }
        return result;
    }

    static bool IsNotebook(string path) =>
        path.EndsWith(".ipynb", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".dib", StringComparison.OrdinalIgnoreCase);
}

/// <summary>Bad arguments or an unreadable notebook: reported as one line, exit status 2.</summary>
public sealed class UsageException(string message) : Exception(message);
