namespace Parp.Models.Checkpoints;

/// <summary>A checkpoint that cannot be loaded as asked: names the file and the offending keys.</summary>
public sealed class CheckpointException(string file, string problem, IReadOnlyList<string>? keys = null)
    : Exception(Format(file, problem, keys))
{
    public string File { get; } = file;
    public IReadOnlyList<string> Keys { get; } = keys ?? [];

    static string Format(string file, string problem, IReadOnlyList<string>? keys)
    {
        if (keys is null || keys.Count == 0) return $"{file}: {problem}";
        const int shown = 20;
        var list = string.Join(Environment.NewLine, keys.Take(shown).Select(k => "  " + k));
        var more = keys.Count > shown ? $"{Environment.NewLine}  ... and {keys.Count - shown} more" : "";
        return $"{file}: {problem} ({keys.Count}):{Environment.NewLine}{list}{more}";
    }
}
