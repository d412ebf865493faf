namespace Parp.Audio;

/// <summary>
/// Audio that cannot be used: unreadable, empty, an unsupported format, or too short for the model.
/// The message always names the file, so a bad line in a 100k-line manifest is found at once.
/// </summary>
public sealed class AudioException : Exception
{
    public string Path { get; }

    public AudioException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner) => Path = path;
}
