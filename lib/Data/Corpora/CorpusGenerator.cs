using System.Collections.Concurrent;
using Parp.Audio;

namespace Parp.Data.Corpora;

/// <summary>What regenerating a split did.</summary>
public sealed record GenerationReport(string Language, string Split, int Generated, int AlreadyCached, double Seconds, IReadOnlyList<string> LengthMismatches);

/// <summary>
/// Regenerates the audio of committed manifests into the cache: only missing files are synthesised, in
/// parallel. A length that differs from the manifest's num_samples means another espeak-ng version made the
/// audio; the report lists such utterances (the first few are also in the exception when <c>strict</c>).
/// </summary>
public sealed class CorpusGenerator(CorpusPaths paths, int parallelism = 0, IProgress<CorpusProgress>? progress = null)
{
    readonly int _parallelism = parallelism > 0 ? parallelism : Environment.ProcessorCount;

    public GenerationReport Generate(string corpus, string language, string split, bool strict = false)
    {
        var specs = GenerationManifest.Read(Path.Combine(paths.ManifestDir(corpus, language), $"{split}.gen.tsv"));
        var audioDir = paths.AudioDir(corpus, language);
        double target = specs.Sum(s => s.NumSamples) / (double)EspeakSynthesizer.SampleRate;
        var mismatches = new ConcurrentBag<string>();
        int generated = 0, cached = 0, done = 0;
        long doneSamples = 0;
        Parallel.ForEach(specs, new ParallelOptions { MaxDegreeOfParallelism = _parallelism }, spec =>
        {
            var path = Path.Combine(audioDir, spec.Id + ".wav");
            if (File.Exists(path)) Interlocked.Increment(ref cached);
            else
            {
                var s = EspeakSynthesizer.Synthesize(spec);
                if (s.Samples.Length != spec.NumSamples) mismatches.Add($"{spec.Id}: {s.Samples.Length} samples, manifest says {spec.NumSamples}");
                WavWriter.WriteMono16(path, s.Samples, EspeakSynthesizer.SampleRate);
                Interlocked.Increment(ref generated);
            }
            long total = Interlocked.Add(ref doneSamples, spec.NumSamples);
            if (Interlocked.Increment(ref done) % 100 == 0 || done == specs.Count)
                progress?.Report(new CorpusProgress(language, split, total / (double)EspeakSynthesizer.SampleRate, target, done));
        });
        if (strict && !mismatches.IsEmpty)
            throw new InvalidOperationException(
                $"{corpus}/{language}/{split}: {mismatches.Count} utterances differ in length from the manifest (espeak-ng {EspeakSynthesizer.Version()}; " +
                $"rebuild the manifests with the recipe in data-manifests/{corpus}/RECIPE.md). First: {string.Join("; ", mismatches.Take(3))}");
        return new GenerationReport(language, split, generated, cached, target, mismatches.ToArray());
    }

    /// <summary>The fairseq manifest of a generated split, with its root resolved to the audio cache.</summary>
    public Manifest Manifest(string corpus, string language, string split) =>
        Data.Manifest.Read(Path.Combine(paths.ManifestDir(corpus, language), $"{split}.tsv"), paths.CacheRoot);
}
