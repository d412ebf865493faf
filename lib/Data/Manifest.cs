using System.Globalization;
using Parp.IO;

namespace Parp.Data;

/// <summary>One audio file of a manifest: its path relative to the root and its length in samples.</summary>
public sealed record ManifestEntry(string RelativePath, long NumSamples);

/// <summary>
/// A fairseq audio manifest (.tsv): the first line is the root folder, then one line per utterance,
/// "relative/path.flac TAB num_samples". Label files (.ltr, .wrd, .phn) have one line per utterance in the
/// same order (<see cref="LabelFile"/>).
/// A relative root is resolved against a folder the caller gives (for the generated corpora: the corpus
/// cache, so the committed manifests hold no machine-specific path), or else the manifest's own folder.
/// </summary>
public sealed class Manifest
{
    public string Root { get; }
    public IReadOnlyList<ManifestEntry> Entries { get; }
    /// <summary>The file this manifest was read from (null when built in memory); used in error messages.</summary>
    public string? SourceFile { get; }

    public Manifest(string root, IReadOnlyList<ManifestEntry> entries, string? sourceFile = null)
    {
        if (string.IsNullOrWhiteSpace(root)) throw new ArgumentException("manifest root must not be empty");
        Root = root; Entries = entries; SourceFile = sourceFile;
    }

    public int Count => Entries.Count;
    public long TotalSamples => Entries.Sum(e => e.NumSamples);

    public string FullPath(int index) => Path.Combine(Root, Entries[index].RelativePath);

    public static Manifest Read(string path, string? relativeRootBase = null)
    {
        if (!File.Exists(path)) throw new DataFormatException(path, 0, "manifest not found");
        using var reader = new StreamReader(path);
        var root = reader.ReadLine();
        if (string.IsNullOrWhiteSpace(root))
            throw new DataFormatException(path, 1, "the first line must be the root folder of the audio files");
        root = root.Trim();
        if (!Path.IsPathRooted(root))
            root = Path.GetFullPath(Path.Combine(relativeRootBase ?? Path.GetDirectoryName(Path.GetFullPath(path))!, root));

        var entries = new List<ManifestEntry>();
        int lineNo = 1;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNo++;
            if (line.Length == 0) throw new DataFormatException(path, lineNo, "empty line (expected 'path TAB num_samples')");
            var parts = line.Split('\t');
            if (parts.Length != 2 || parts[0].Length == 0)
                throw new DataFormatException(path, lineNo, $"expected 'path TAB num_samples', got '{line}'");
            if (!long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n <= 0)
                throw new DataFormatException(path, lineNo, $"num_samples must be a positive integer, got '{parts[1]}' for {parts[0]}");
            entries.Add(new ManifestEntry(parts[0], n));
        }
        return new Manifest(root, entries, path);
    }

    /// <param name="path">The .tsv to write (atomically).</param>
    /// <param name="rootLine">What to write as the root line (default: <see cref="Root"/>); the generated
    /// corpora write a relative root here.</param>
    public void Write(string path, string? rootLine = null) =>
        AtomicFile.WriteAllLines(path, Entries.Select(e => $"{e.RelativePath}\t{e.NumSamples.ToString(CultureInfo.InvariantCulture)}").Prepend(rootLine ?? Root));

    /// <summary>
    /// Checks that every file exists, before a long run starts rather than hours into it.
    /// The error names the manifest, the line and the missing file.
    /// </summary>
    public void VerifyFilesExist()
    {
        for (int i = 0; i < Entries.Count; i++)
            if (!File.Exists(FullPath(i)))
                throw new DataFormatException(SourceFile ?? "(manifest)", i + 2, $"audio file not found: {FullPath(i)}");
    }
}

/// <summary>A label file (.ltr, .wrd, .phn): one transcript per manifest line, in manifest order.</summary>
public static class LabelFile
{
    public static IReadOnlyList<string> Read(string path, int? expectedLines = null)
    {
        if (!File.Exists(path)) throw new DataFormatException(path, 0, "label file not found");
        var lines = File.ReadAllLines(path);
        for (int i = 0; i < lines.Length; i++)
            if (string.IsNullOrWhiteSpace(lines[i]))
                throw new DataFormatException(path, i + 1, "empty transcript");
        if (expectedLines is int n && lines.Length != n)
            throw new DataFormatException(path, 0, $"{lines.Length} transcripts for {n} manifest entries");
        return lines;
    }

    public static void Write(string path, IEnumerable<string> lines) => AtomicFile.WriteAllLines(path, lines.Select((l, i) =>
        l.Contains('\n') || string.IsNullOrWhiteSpace(l)
            ? throw new ArgumentException($"transcript {i + 1} for {path} is empty or has a line break: '{l}'")
            : l));

    /// <summary>
    /// Reads a label file and encodes every line, naming the file and line of the first transcript
    /// with a symbol outside the vocabulary.
    /// </summary>
    public static int[][] ReadEncoded(string path, Vocabulary vocabulary, int? expectedLines = null)
    {
        var lines = Read(path, expectedLines);
        var result = new int[lines.Count][];
        for (int i = 0; i < lines.Count; i++)
        {
            try { result[i] = vocabulary.Encode(lines[i]); }
            catch (ArgumentException e) { throw new DataFormatException(path, i + 1, e.Message, e); }
        }
        return result;
    }
}
