using System.Diagnostics;
using Parp.Experiments;
using Parp.Sweeps;
using Parp.Tests.Support;

namespace Parp.Tests.Sweeps;

/// <summary>A fact that runs only where a Slurm cluster answers (SLURM_CONF set, as environment/slurm/start.sh prints).</summary>
public sealed class RequiresSlurmFactAttribute : FactAttribute
{
    public RequiresSlurmFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("SLURM_CONF") is not { Length: > 0 })
            Skip = "no Slurm cluster: SLURM_CONF is not set (bash environment/slurm/start.sh starts one; CI does)";
        else if (RequiredPrograms.Missing(["sbatch", "slurm-client", "espeak-ng", "espeak-ng"]) is { } missing)
            Skip = missing;
    }
}

/// <summary>
/// A sweep on a real Slurm (a one-node cluster, environment/slurm/start.sh): job arrays with dependencies train every
/// run of a small smoke plan once, each in its own task, after the runs it needs.
/// </summary>
[Trait("Category", "Slurm")]
public class SlurmSweepTests
{
    [RequiresSlurmFact]
    public void A_submitted_plan_trains_each_run_once_in_its_own_task_after_what_it_needs()
    {
        using var dir = new TempDir();
        var smoke = ExperimentSetting.English("smoke");
        var cache = Path.Combine(dir.Path, "cache");
        // OMP and IMP need the dense run; IMP at 0.2 extends the chain IMP at 0.1 makes.
        var plan = RunPlan.Of([smoke.Omp(0.5), smoke.Imp(0.2), smoke.Imp(0.1), smoke.Mpi(0.5)], Path.Combine(cache, "experiments"));
        var planFile = dir.File("plan.json");
        plan.Save(planFile);

        var (code, output) = SweepWorkersTests.Finish(SweepWorkersTests.Start("submit", "--plan", planFile, "--cache", cache, "--cpus", "1", "--mem", "1G", "--time", "00:20:00"),
            TimeSpan.FromMinutes(1));
        Assert.True(code == 0, output);
        var jobs = System.Text.RegularExpressions.Regex.Matches(output, @"^level \d+: job (\d+)", System.Text.RegularExpressions.RegexOptions.Multiline)
            .Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(3, jobs.Count);                                   // dense and MPI; OMP and IMP 0.1; IMP 0.2
        var clock = Stopwatch.StartNew();
        while (Queued(jobs) && clock.Elapsed < TimeSpan.FromMinutes(15)) Thread.Sleep(2000);
        Assert.False(Queued(jobs), "the jobs were still queued after 15 minutes");

        var status = SweepWork.Status(RunPlan.Load(planFile), Path.Combine(cache, "experiments"));
        Assert.All(status, s => Assert.True(s.State == RunState.Finished, $"{s.Run.Label} s={s.Run.Sparsity}: {s.State} {s.Detail}"));
        var logs = Path.Combine(dir.Path, "logs");
        foreach (var run in plan.Runs)
        {
            var log = File.ReadAllLines(Path.Combine(logs, run.Key + ".log"));
            Assert.Single(log, l => l.StartsWith("== ", StringComparison.Ordinal));                 // one attempt
            Assert.Single(log, l => l.StartsWith($"run {run.Key} ", StringComparison.Ordinal) && l.Contains("trained here"));
            // What it needed was done: no wait on a run's claim (a wait for the shared generated speech is fine).
            Assert.DoesNotContain(log, l => l.StartsWith("run ", StringComparison.Ordinal) && l.Contains("waiting for"));
        }
    }

    static bool Queued(IEnumerable<string> jobs)
    {
        using var p = ChildProcess.Start("squeue", "-h", "-j", string.Join(",", jobs));
        var text = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return text.Trim().Length > 0;
    }
}
