using System.Globalization;
using Parp.IO;

namespace Parp.Data.Corpora;

/// <summary>
/// Everything that determines one generated utterance: the audio is a pure function of these fields
/// (and the espeak-ng version), so the manifest, not the audio, is what the repository keeps.
/// </summary>
/// <param name="Id">The audio path inside the corpus folder, without extension: <c>SPLIT/LANG-SPLIT-INDEX</c>.</param>
/// <param name="Voice">espeak-ng voice with variant, e.g. <c>en-us+m3</c>.</param>
/// <param name="Speed">Words per minute (espeak-ng <c>-s</c>).</param>
/// <param name="Pitch">0–99 (espeak-ng <c>-p</c>).</param>
/// <param name="Seed">Seed of the added noise (and the one all random choices for this utterance came from).</param>
/// <param name="Text">What is spoken.</param>
/// <param name="SnrDb">Additive white noise at this signal-to-noise ratio; null for clean speech.</param>
/// <param name="NumSamples">Length at 16 kHz, recorded when generated; 0 before the first synthesis.</param>
public sealed record UtteranceSpec(string Id, string Voice, int Speed, int Pitch, double? SnrDb, ulong Seed, string Text, long NumSamples = 0)
{
    /// <summary>Path of the audio relative to the corpus folder.</summary>
    public string RelativePath(string split) => $"{split}/{Id}.wav";
}

/// <summary>
/// The generation manifest (<c>SPLIT.gen.tsv</c>): a header line, then one utterance per line:
/// id, voice, speed, pitch, snr_db ("-" for clean), seed, num_samples, text.
/// </summary>
public static class GenerationManifest
{
    public const string Header = "id\tvoice\tspeed\tpitch\tsnr_db\tseed\tnum_samples\ttext";

    public static void Write(string path, IEnumerable<UtteranceSpec> specs) =>
        AtomicFile.WriteAllLines(path, specs.Select(s =>
        {
            if (s.Text.Contains('\t') || s.Text.Contains('\n')) throw new ArgumentException($"utterance {s.Id}: text contains a tab or line break");
            var snr = s.SnrDb is double d ? d.ToString("0.##", CultureInfo.InvariantCulture) : "-";
            return string.Join('\t', s.Id, s.Voice, s.Speed.ToString(CultureInfo.InvariantCulture), s.Pitch.ToString(CultureInfo.InvariantCulture),
                snr, s.Seed.ToString(CultureInfo.InvariantCulture), s.NumSamples.ToString(CultureInfo.InvariantCulture), s.Text);
        }).Prepend(Header));

    public static List<UtteranceSpec> Read(string path)
    {
        if (!File.Exists(path)) throw new DataFormatException(path, 0, "generation manifest not found");
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0 || lines[0] != Header)
            throw new DataFormatException(path, 1, $"expected the header '{Header.Replace("\t", "\\t")}'");
        var specs = new List<UtteranceSpec>(lines.Length - 1);
        for (int i = 1; i < lines.Length; i++)
        {
            var f = lines[i].Split('\t');
            try
            {
                if (f.Length != 8) throw new FormatException($"expected 8 tab-separated fields, got {f.Length}");
                if (f[7].Trim().Length == 0) throw new FormatException("empty text");
                specs.Add(new UtteranceSpec(f[0], f[1], int.Parse(f[2], CultureInfo.InvariantCulture), int.Parse(f[3], CultureInfo.InvariantCulture),
                    f[4] == "-" ? null : double.Parse(f[4], CultureInfo.InvariantCulture),
                    ulong.Parse(f[5], CultureInfo.InvariantCulture), f[7], long.Parse(f[6], CultureInfo.InvariantCulture)));
            }
            catch (FormatException e) { throw new DataFormatException(path, i + 1, e.Message, e); }
            catch (OverflowException e) { throw new DataFormatException(path, i + 1, e.Message, e); }
        }
        return specs;
    }
}
