namespace Parp.Audio;

/// <summary>
/// FLAC (LibriSpeech, Libri-light) through the reference decoder, the <c>flac</c> program
/// (Debian package <c>flac</c>), which writes a WAV to stdout that <see cref="WavDecoder"/> reads.
/// Why a subprocess: NuGet serves no managed FLAC decoder; <c>flac</c> is the format's reference
/// implementation, small, bit-exact and in every distribution; LibriSpeech utterances are a few
/// seconds long, so one process per file costs milliseconds against the decoding itself.
/// </summary>
public static class FlacDecoder
{
    public const string Program = "flac";

    public static DecodedAudio Decode(string path)
    {
        if (!File.Exists(path)) throw new AudioException(path, "file not found");
        ExternalProgram.Result result;
        try
        {
            // -d decode, -c to stdout, -s silent; --force... not needed: flac writes a WAV header.
            result = ExternalProgram.Run(Program, ["-d", "-c", "-s", path], "Debian/Ubuntu: apt-get install flac");
        }
        catch (FileNotFoundException e)
        {
            throw new AudioException(path, "cannot decode FLAC: " + e.Message, e);
        }
        if (result.ExitCode != 0 || result.Stdout.Length == 0)
            throw new AudioException(path, $"not a readable FLAC file (flac exited with {result.ExitCode}: {result.Stderr.Trim()})");
        using var wav = new MemoryStream(result.Stdout);
        return WavDecoder.Decode(wav, path);
    }
}
