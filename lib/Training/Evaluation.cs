using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Parp.Data;
using Parp.IO;
using Parp.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Parp.Training;

/// <summary>One utterance of an evaluation: reference, greedy hypothesis, and its errors.</summary>
public sealed record UtteranceResult(int Index, string File, string Reference, string Hypothesis, ErrorCounts Errors);

/// <summary>
/// Corpus-level error rates of one evaluation (counts pooled over the set). Letters: <see cref="Wer"/> (words) and
/// <see cref="Cer"/> (characters); phones: <see cref="Per"/>. Rates are percentages; absent ones are null.
/// </summary>
public sealed record EvaluationResult(string Split, TranscriptKind Kind, ErrorCounts Primary, ErrorCounts? Characters,
    IReadOnlyList<UtteranceResult> Utterances, double Seconds, double AudioSeconds)
{
    public double? Wer => Kind == TranscriptKind.Letters ? Primary.Rate : null;
    public double? Cer => Characters?.Rate;
    public double? Per => Kind == TranscriptKind.Phones ? Primary.Rate : null;

    public override string ToString() => Kind == TranscriptKind.Letters
        ? $"{Split}: WER {Primary} | CER {Characters} | {Utterances.Count} utterances"
        : $"{Split}: PER {Primary} | {Utterances.Count} utterances";

    public JsonObject ToJson() => new()
    {
        ["split"] = Split, ["kind"] = Kind.ToString().ToLowerInvariant(), ["utterances"] = Utterances.Count,
        ["wer"] = Wer, ["cer"] = Cer, ["per"] = Per,
        ["substitutions"] = Primary.Substitutions, ["deletions"] = Primary.Deletions, ["insertions"] = Primary.Insertions,
        ["reference_length"] = Primary.ReferenceLength, ["seconds"] = Seconds, ["audio_seconds"] = AudioSeconds,
    };

    /// <summary>Per-utterance hypotheses as TSV (index, file, errors, reference length, reference, hypothesis), written atomically.</summary>
    public void SaveHypotheses(string path) => AtomicFile.WriteAllLines(path,
        Utterances.Select(u => string.Join('\t', u.Index.ToString(CultureInfo.InvariantCulture), u.File,
            u.Errors.Errors.ToString(CultureInfo.InvariantCulture), u.Errors.ReferenceLength.ToString(CultureInfo.InvariantCulture),
            u.Reference, u.Hypothesis))
        .Prepend("index\tfile\terrors\treference_length\treference\thypothesis"));

    public void SaveSummary(string path) => AtomicFile.WriteAllText(path, ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
}

/// <summary>Greedy-decoding evaluation of a CTC model on a labelled split, batch by batch, each in a dispose scope.</summary>
public static class Evaluator
{
    /// <param name="model">The CTC model (left in its training mode afterwards).</param>
    /// <param name="data">The labelled split.</param>
    /// <param name="split">Its name, for the report.</param>
    /// <param name="device">Where the model is.</param>
    /// <param name="maxTokens">Samples per batch (padded); lower it when memory is short.</param>
    /// <param name="progress">Utterances done of the total.</param>
    /// <param name="cancellation">Stops between batches.</param>
    /// <param name="features">The frozen CNN's features of <paramref name="data"/> (per utterance, as the model was
    /// trained with them: <see cref="FineTuneRecipe.CachedFeatures"/>), or null to run the CNN over the padded batches.</param>
    public static EvaluationResult Evaluate(Wav2Vec2ForCtc model, LabelledData data, string split, Device device,
        long maxTokens = 1_600_000, IProgress<(int done, int total)>? progress = null, CancellationToken cancellation = default,
        FeatureCache? features = null)
    {
        if (data.Vocabulary.Count != model.Config.VocabSize)
            throw new ArgumentException($"{data.Description}: the vocabulary has {data.Vocabulary.Count} symbols but the model's head has {model.Config.VocabSize} outputs");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long longest = data.Dataset.Manifest.Entries.Max(e => e.NumSamples);
        var batcher = LengthBucketedBatcher.ForManifest(data.Dataset.Manifest, Math.Max(maxTokens, longest), seed: 0, shuffle: false);
        var results = new UtteranceResult[data.Dataset.Count];
        bool wasTraining = model.training;
        model.eval();
        double audioSeconds = 0;
        int done = 0;
        try
        {
            using var _ = no_grad();
            foreach (var plan in batcher.From(new BatchPosition(0, 0), endEpoch: 1))
            {
                cancellation.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var targets = plan.Indices.Select(i => data.Dataset.Targets![i]).ToArray();
                Tensor logits;
                long[] frames;
                if (features is not null)
                {
                    (var conv, var frameMask, frames) = features.Collate(plan.Indices, model.LmHead.weight!.dtype);
                    logits = model.forwardFeatures(conv, frameMask).Logits;
                    audioSeconds += plan.Indices.Sum(i => data.Dataset.Manifest.Entries[i].NumSamples) / 16000.0;
                }
                else
                {
                    var (audio, _) = data.Dataset.Collate(plan, seed: 0);
                    var batch = CtcBatch.ToTensors(audio, [], model.Config, device, model.LmHead.weight!.dtype);
                    logits = model.forward(batch.Input, batch.AttentionMask).Logits;
                    frames = audio.Lengths.Select(l => FrameLengths.FromSamples(model.Config, l)).ToArray();
                    audioSeconds += audio.Lengths.Sum() / 16000.0;
                }
                var decoded = CtcDecoding.Greedy(logits, frames);
                for (int b = 0; b < plan.Indices.Length; b++)
                {
                    int index = plan.Indices[b];
                    var reference = CtcDecoding.ToText(targets[b], data.Vocabulary, data.Kind);
                    var hypothesis = CtcDecoding.ToText(decoded[b], data.Vocabulary, data.Kind);
                    var errors = data.Kind == TranscriptKind.Letters
                        ? ErrorRates.WordErrors(reference, hypothesis) : ErrorRates.TokenErrors(reference, hypothesis);
                    results[index] = new UtteranceResult(index, data.Dataset.Manifest.Entries[index].RelativePath, reference, hypothesis, errors);
                }
                done += plan.Indices.Length;
                progress?.Report((done, data.Dataset.Count));
            }
        }
        finally { if (wasTraining) model.train(); }
        var primary = results.Aggregate(default(ErrorCounts), (a, u) => a + u.Errors);
        ErrorCounts? characters = data.Kind == TranscriptKind.Letters
            ? results.Aggregate(default(ErrorCounts), (a, u) => a + ErrorRates.CharacterErrors(u.Reference, u.Hypothesis)) : null;
        return new EvaluationResult(split, data.Kind, primary, characters, results, clock.Elapsed.TotalSeconds, audioSeconds);
    }
}
