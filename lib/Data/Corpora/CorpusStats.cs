using Parp.Audio;

namespace Parp.Data.Corpora;

/// <summary>Listen-by-numbers for a split: duration, RMS and peak level, and how many samples sit at full scale.</summary>
public sealed record CorpusStats(int Utterances, double Hours, double RmsDb, double PeakDb, double ClippedFraction, int SilentUtterances)
{
    /// <summary>An utterance whose RMS is below this (−60 dBFS) counts as silent.</summary>
    public const double SilenceDb = -60;

    public static CorpusStats Measure(Manifest manifest)
    {
        double sumSquares = 0, peak = 0;
        long samples = 0, clipped = 0;
        int silent = 0;
        for (int i = 0; i < manifest.Count; i++)
        {
            var x = WavDecoder.Decode(manifest.FullPath(i)).Samples;
            double ss = 0;
            foreach (var v in x)
            {
                ss += (double)v * v;
                double a = Math.Abs(v);
                if (a > peak) peak = a;
                if (a >= 32767 / 32768.0) clipped++;
            }
            if (Db(Math.Sqrt(ss / Math.Max(1, x.Length))) < SilenceDb) silent++;
            sumSquares += ss;
            samples += x.Length;
        }
        return new(manifest.Count, samples / 16000.0 / 3600, Db(Math.Sqrt(sumSquares / Math.Max(1, samples))), Db(peak),
            samples == 0 ? 0 : clipped / (double)samples, silent);
    }

    static double Db(double amplitude) => 20 * Math.Log10(Math.Max(amplitude, 1e-10));
}
