using System.Globalization;
using Parp.Audio;

namespace Parp.Data.Corpora;

/// <summary>One synthesised utterance: 16 kHz samples and the IPA espeak-ng spoke.</summary>
public sealed record Synthesis(float[] Samples, string Ipa);

/// <summary>
/// Speech from the <c>espeak-ng</c> program (Debian package <c>espeak-ng</c>). One process per utterance writes
/// a 22.05 kHz WAV and prints the IPA of exactly what it spoke, so audio and phone targets cannot disagree.
/// The audio is resampled to 16 kHz, scaled by <see cref="Gain"/> and, when the spec asks, mixed with white
/// noise at the given SNR from the spec's seed.
/// </summary>
public static class EspeakSynthesizer
{
    public const string Program = "espeak-ng";
    public const int SampleRate = 16000;

    /// <summary>espeak-ng peaks near −2 dBFS; −6 dB leaves room for added noise without clipping.</summary>
    public const float Gain = 0.5f;

    public static bool IsAvailable => ExternalProgram.IsAvailable(Program);

    public static string Version()
    {
        var r = ExternalProgram.Run(Program, ["--version"], "apt-get install espeak-ng");
        return System.Text.Encoding.UTF8.GetString(r.Stdout).Trim();
    }

    public static Synthesis Synthesize(UtteranceSpec spec)
    {
        // espeak-ng would read a leading '-' as an option.
        if (spec.Text.TrimStart().StartsWith('-')) throw new ArgumentException($"utterance {spec.Id}: text must not start with '-'");
        var wav = Path.Combine(Path.GetTempPath(), $"parp-espeak-{Environment.ProcessId}-{Guid.NewGuid():N}.wav");
        try
        {
            var r = ExternalProgram.Run(Program,
                ["-v", spec.Voice, "-s", spec.Speed.ToString(CultureInfo.InvariantCulture), "-p", spec.Pitch.ToString(CultureInfo.InvariantCulture),
                 "--ipa", "-w", wav, spec.Text],
                "Debian/Ubuntu: apt-get install espeak-ng");
            if (r.ExitCode != 0 || !File.Exists(wav))
                throw new InvalidOperationException($"espeak-ng failed for utterance {spec.Id} (voice {spec.Voice}, exit {r.ExitCode}): {r.Stderr.Trim()}");
            var decoded = WavDecoder.Decode(wav);
            if (decoded.Samples.Length == 0) throw new InvalidOperationException($"espeak-ng produced no audio for utterance {spec.Id}: \"{spec.Text}\"");
            var samples = Resampler.Resample(decoded.Samples, decoded.SampleRate, SampleRate);
            for (int i = 0; i < samples.Length; i++) samples[i] *= Gain;
            if (spec.SnrDb is double snr) AddNoise(samples, snr, spec.Seed);
            return new Synthesis(samples, System.Text.Encoding.UTF8.GetString(r.Stdout).Trim());
        }
        finally { File.Delete(wav); }
    }

    /// <summary>The IPA espeak-ng gives for a text, without making audio (a G2P for real transcripts).</summary>
    public static string Ipa(string voice, string text)
    {
        if (text.TrimStart().StartsWith('-')) text = text.TrimStart().TrimStart('-');
        var r = ExternalProgram.Run(Program, ["-q", "--ipa", "-v", voice, text], "Debian/Ubuntu: apt-get install espeak-ng");
        if (r.ExitCode != 0) throw new InvalidOperationException($"espeak-ng --ipa failed (voice {voice}, exit {r.ExitCode}): {r.Stderr.Trim()}");
        return System.Text.Encoding.UTF8.GetString(r.Stdout).Trim();
    }

    /// <summary>Adds white Gaussian noise whose power is the signal's power divided by 10^(snr/10).</summary>
    public static void AddNoise(float[] samples, double snrDb, ulong seed)
    {
        double power = 0;
        foreach (var v in samples) power += (double)v * v;
        power /= Math.Max(1, samples.Length);
        double sigma = Math.Sqrt(power / Math.Pow(10, snrDb / 10));
        var rng = new DeterministicRandom(DeterministicRandom.Mix((long)seed, 0x6e6f697365));
        for (int i = 0; i < samples.Length; i++) samples[i] = (float)(samples[i] + sigma * rng.NextGaussian());
    }
}
