using TorchSharp;

namespace Parp.Experiments;

/// <summary>
/// How many runs the runner trains at once and with how many LibTorch threads each. On the CPU, independent runs
/// train side by side, each on a share of the cores (two runs on one thread each outran one run on two threads:
/// docs/PERFORMANCE.md). The share is fixed before anything runs, so a run's numbers depend on its threads only, never
/// on which runs happen to train beside it. A GPU trains one run at a time.
/// <para><c>PARP_RUNS_AT_ONCE=N</c> overrides the CPU default (one run per core); each run then gets cores / N threads.</para>
/// </summary>
/// <param name="RunsAtOnce">Runs training at the same time.</param>
/// <param name="ThreadsPerRun">LibTorch threads of each run; null leaves the process's setting (a GPU run).</param>
public sealed record RunParallelism(int RunsAtOnce, int? ThreadsPerRun)
{
    public const string Variable = "PARP_RUNS_AT_ONCE";

    /// <summary>One run at a time with the process's threads.</summary>
    public static RunParallelism Sequential { get; } = new(1, null);

    /// <summary>The default for a device of type <paramref name="device"/> on this machine.</summary>
    public static RunParallelism For(DeviceType device)
    {
        if (device != DeviceType.CPU) return Sequential;
        int cores = Math.Max(1, Environment.ProcessorCount);
        int runs = cores;
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } text)
            runs = int.TryParse(text, out var n) && n >= 1
                ? n : throw new ArgumentException($"{Variable}={text}: expected a whole number of runs, at least 1");
        return new(runs, Math.Max(1, cores / runs));
    }

    public override string ToString() => $"{RunsAtOnce} run(s) at once" + (ThreadsPerRun is { } t ? $", {t} thread(s) each" : "");
}
