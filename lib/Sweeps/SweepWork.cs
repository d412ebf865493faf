using System.Globalization;
using Parp.Experiments;
using Parp.IO;
using Parp.Runtime;
using Parp.Text;
using static TorchSharp.torch;

namespace Parp.Sweeps;

/// <summary>Where a planned run stands in a cache.</summary>
public enum RunState { Finished, Running, Failed, Waiting }

/// <summary>A planned run's state, and what explains it (who trains it, the error a failed attempt left).</summary>
public sealed record RunStatus(PlannedRun Run, RunState State, string Detail);

/// <summary>
/// A sweep's work on a cache shared by its workers: one planned run trained (or read back) by one worker, and every
/// run's state. A run's claim (<see cref="WorkClaim"/>) keeps two workers from training it at once; a failed attempt
/// leaves <c>KEY.failed</c> beside the run's folder (its error), which the next attempt that finishes removes.
/// </summary>
public static class SweepWork
{
    /// <summary>The note a failed attempt leaves beside a run's cache folder.</summary>
    public static string FailureFile(string cacheRoot, string key) => Path.Combine(cacheRoot, key + ".failed");

    /// <summary>
    /// Trains the run <paramref name="key"/> of <paramref name="plan"/> into the cache, resuming it from its checkpoint, or
    /// reads it back when it has finished; with <paramref name="skipClaimed"/> a run another worker holds is left to it
    /// (null is returned) instead of waited for. Returns one line per result ("LABEL LANGUAGE s=S: METRIC V, trained here
    /// in N s" or "..., read back from the cache"). A failure is recorded (<see cref="FailureFile"/>) and thrown.
    /// </summary>
    public static IReadOnlyList<string>? Run(RunPlan plan, string key, string planFile, string cacheRoot, Device device,
        bool skipClaimed = false, IProgress<ExperimentProgress>? progress = null, CancellationToken cancellation = default)
    {
        var planned = plan.Find(key, planFile);
        var folder = Path.Combine(cacheRoot, key);
        if (skipClaimed && !File.Exists(planned.ResultFile(cacheRoot)) && WorkClaim.Holder(folder) is not null) return null;
        try
        {
            IReadOnlyList<string> lines;
            if (planned.Text is { } text)
            {
                var r = CrossTaskRuns.Run([text], device, cacheRoot, cancellation: cancellation)[0];
                lines = [Line($"{r.Label} {r.Task} s={r.Sparsity:0.##}: {r.MetricName} {r.Metric:F2}", r.FromCache, r.TrainSeconds)];
            }
            else
            {
                // One run per worker, with the threads a notebook's run gets on this machine (PARP_RUNS_AT_ONCE decides),
                // so that its numbers are a local run's to the last bit.
                var parallelism = RunParallelism.For(device.type) with { RunsAtOnce = 1 };
                lines = ExperimentRunner.Run([planned.Run!], device, cacheRoot, progress: progress, cancellation: cancellation, parallelism: parallelism)
                    .Select(r => Line($"{r.Label} {r.Language} s={r.Sparsity:0.##}: {r.Metric} {r.ErrorRate:F2}{(r.CharacterErrorRate is { } cer ? $", CER {cer:F2}" : "")}",
                        r.FromCache, r.TrainSeconds)).ToList();
            }
            File.Delete(FailureFile(cacheRoot, key));
            return lines;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The first line says what happened; the stack follows.
            AtomicFile.WriteAllText(FailureFile(cacheRoot, key), string.Create(CultureInfo.InvariantCulture,
                $"{DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} UTC on {Environment.MachineName}: {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}\n{e}"));
            throw;
        }
    }

    static string Line(FormattableString what, bool fromCache, double seconds) => string.Create(CultureInfo.InvariantCulture,
        $"{FormattableString.Invariant(what)}, {(fromCache ? "read back from the cache" : FormattableString.Invariant($"trained here in {seconds:F0} s"))}");

    /// <summary>Every planned run's state: finished (its result is there), running (a worker holds its claim), failed
    /// (its last attempt left an error) or waiting.</summary>
    public static List<RunStatus> Status(RunPlan plan, string cacheRoot) => plan.Runs.Select(run =>
    {
        if (File.Exists(run.ResultFile(cacheRoot))) return new RunStatus(run, RunState.Finished, "");
        if (WorkClaim.Holder(Path.Combine(cacheRoot, run.Key)) is { } holder) return new RunStatus(run, RunState.Running, holder);
        var failure = FailureFile(cacheRoot, run.Key);
        if (File.Exists(failure)) return new RunStatus(run, RunState.Failed, File.ReadLines(failure).FirstOrDefault() ?? "failed");
        var missing = run.Needs.Where(n => !File.Exists(PlannedRun.ResultFileOf(n, cacheRoot))).ToList();
        return new RunStatus(run, RunState.Waiting, missing.Count > 0 ? $"for {string.Join(", ", missing)}" : "to be started");
    }).ToList();

    /// <summary>The last <paramref name="count"/> lines of a text file (a log, a failure note).</summary>
    public static string LastLines(string file, int count) => string.Join("\n", File.ReadLines(file).TakeLast(count));
}
