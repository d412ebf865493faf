namespace Parp.Data;

/// <summary>A bad line in a manifest, label or vocabulary file: the message names the file and the line.</summary>
public sealed class DataFormatException : Exception
{
    public string File { get; }
    public int Line { get; }

    public DataFormatException(string file, int line, string problem, Exception? inner = null)
        : base(line > 0 ? $"{file}:{line}: {problem}" : $"{file}: {problem}", inner)
    {
        File = file;
        Line = line;
    }
}
