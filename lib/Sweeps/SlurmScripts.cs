using System.Globalization;
using System.Text;

namespace Parp.Sweeps;

/// <summary>What each Slurm task asks for.</summary>
/// <param name="Partition">The partition (none: the cluster's default).</param>
/// <param name="Gres">Generic resources per task, e.g. <c>gpu:1</c> (none on a CPU cluster).</param>
/// <param name="CpusPerTask">CPUs per task.</param>
/// <param name="Memory">Memory per task, as Slurm writes it (16G).</param>
/// <param name="TimeLimit">Time limit per task (HH:MM:SS or D-HH:MM:SS).</param>
/// <param name="Requeue">Requeue a preempted or failed-node task; it resumes its run from the last checkpoint.</param>
/// <param name="Account">The account to charge (none: the user's default).</param>
public sealed record SlurmOptions(string? Partition = null, string? Gres = null, int CpusPerTask = 2, string Memory = "16G",
    string TimeLimit = "12:00:00", bool Requeue = true, string? Account = null);

/// <summary>One Slurm job array of a sweep: the runs of one level, one task each.</summary>
/// <param name="Level">0 for runs that need nothing; otherwise 1 + the highest level of the runs they need.</param>
/// <param name="Keys">The runs, task i training <c>Keys[i]</c>.</param>
/// <param name="Needs">The tasks of earlier arrays that must end well first (level, task), for <c>--dependency=afterok</c>.</param>
/// <param name="Script">The batch script.</param>
public sealed record SlurmArray(int Level, IReadOnlyList<string> Keys, IReadOnlyList<(int Level, int Task)> Needs, string Script)
{
    /// <summary>The <c>--dependency</c> value given the job ids of the earlier arrays (by level); null when it needs nothing.</summary>
    public string? Dependency(IReadOnlyList<string> jobIds) => Needs.Count == 0 ? null
        : "afterok:" + string.Join(":", Needs.Select(n => $"{jobIds[n.Level]}_{n.Task.ToString(CultureInfo.InvariantCulture)}"));
}

/// <summary>
/// A sweep as Slurm job arrays: the plan's runs by level (a run after every run it needs), one array per level, one task
/// per run; each array depends on exactly the tasks its runs need (<c>afterok</c>, and a task whose need failed is
/// cancelled, not left pending). A task runs <c>WORKER run KEY</c> and writes to <c>LOGS/KEY.log</c>.
/// </summary>
public static class SlurmScripts
{
    /// <summary>The arrays of <paramref name="plan"/> (saved as <paramref name="planFile"/>), in the order to submit them.</summary>
    /// <param name="plan">The plan.</param>
    /// <param name="planFile">Where it is saved, as the workers will read it.</param>
    /// <param name="cache">The cache the workers share (the host's <c>--cache</c>: runs in <c>experiments/</c>).</param>
    /// <param name="worker">The command that starts <c>parp-sweep</c> on a node.</param>
    /// <param name="logFolder">Where each run's log goes (<c>KEY.log</c>, appended to by every attempt).</param>
    /// <param name="options">What each task asks for.</param>
    public static List<SlurmArray> For(RunPlan plan, string planFile, string cache, string worker, string logFolder, SlurmOptions options)
    {
        var level = new Dictionary<string, int>();
        foreach (var run in plan.Runs)   // the plan lists every run after what it needs
            level[run.Key] = run.Needs.Count == 0 ? 0 : 1 + run.Needs.Max(n => level[n]);
        var arrays = new List<SlurmArray>();
        var place = new Dictionary<string, (int Level, int Task)>();
        foreach (var group in plan.Runs.GroupBy(r => level[r.Key]).OrderBy(g => g.Key))
        {
            var keys = group.Select(r => r.Key).ToList();
            for (int i = 0; i < keys.Count; i++) place[keys[i]] = (group.Key, i);
            var needs = group.SelectMany(r => r.Needs).Distinct().Select(n => place[n]).OrderBy(p => p.Level).ThenBy(p => p.Task).ToList();
            arrays.Add(new SlurmArray(group.Key, keys, needs, Script(group.Key, keys, planFile, cache, worker, logFolder, options)));
        }
        return arrays;
    }

    static string Script(int level, IReadOnlyList<string> keys, string planFile, string cache, string worker, string logFolder, SlurmOptions o)
    {
        var s = new StringBuilder();
        s.AppendLine("#!/bin/bash");
        s.AppendLine(CultureInfo.InvariantCulture, $"#SBATCH --job-name=parp-sweep-{level}");
        s.AppendLine(CultureInfo.InvariantCulture, $"#SBATCH --array=0-{keys.Count - 1}");
        s.AppendLine(CultureInfo.InvariantCulture, $"#SBATCH --cpus-per-task={o.CpusPerTask}");
        s.AppendLine(CultureInfo.InvariantCulture, $"#SBATCH --mem={o.Memory}");
        s.AppendLine(CultureInfo.InvariantCulture, $"#SBATCH --time={o.TimeLimit}");
        if (o.Partition is { } partition) s.AppendLine($"#SBATCH --partition={partition}");
        if (o.Gres is { } gres) s.AppendLine($"#SBATCH --gres={gres}");
        if (o.Account is { } account) s.AppendLine($"#SBATCH --account={account}");
        s.AppendLine(o.Requeue ? "#SBATCH --requeue" : "#SBATCH --no-requeue");
        // A task starts in the plan's folder, not in whatever folder sbatch was called from (which may be gone by then).
        s.AppendLine($"#SBATCH --chdir={Path.GetDirectoryName(planFile)}");
        s.AppendLine("#SBATCH --open-mode=append");
        s.AppendLine($"#SBATCH --output={Path.Combine(logFolder, "slurm-%A_%a.log")}");
        s.AppendLine(CultureInfo.InvariantCulture, $"# Sweep level {level}: {keys.Count} run(s), one per task, each started after the runs it needs.");
        s.AppendLine("# A requeued or resubmitted task resumes its run from the last checkpoint; a finished run is read back.");
        s.AppendLine("set -euo pipefail");
        s.AppendLine($"keys=({string.Join(" ", keys)})");
        s.AppendLine("key=${keys[$SLURM_ARRAY_TASK_ID]}");
        s.AppendLine($"exec >> {Quote(logFolder)}/\"$key.log\" 2>&1");
        s.AppendLine("echo \"== $(date -u '+%F %T') UTC, job ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID} on $(hostname), restart ${SLURM_RESTART_COUNT:-0}\"");
        s.AppendLine($"exec {worker} run \"$key\" --plan {Quote(planFile)} --cache {Quote(cache)}");
        return s.ToString();
    }

    /// <summary>A word for bash, quoted when it needs to be.</summary>
    public static string Quote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "/._-+=:,@%".Contains(c)) ? word : "'" + word.Replace("'", "'\\''") + "'";
}
