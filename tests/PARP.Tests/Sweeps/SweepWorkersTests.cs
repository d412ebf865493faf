using System.Diagnostics;
using System.Text.Json.Nodes;
using Parp.Experiments;
using Parp.IO;
using Parp.Sweeps;
using Parp.Tests.Support;

namespace Parp.Tests.Sweeps;

/// <summary>
/// Sweep workers as separate processes on one cache (smoke scale): several racing for the same runs train each once
/// and all report the same result; a killed worker's claim is free at once; status says what happened.
/// </summary>
public class SweepWorkersTests
{
    static ExperimentSetting Smoke => ExperimentSetting.English("smoke");

    // parp-sweep as built beside the tests (the build copies a referenced tool with its runtime files).
    internal static Process Start(params string[] args) => ChildProcess.Start(Path.Combine(AppContext.BaseDirectory, "parp-sweep"), args);

    internal static (int Code, string Output) Finish(Process p, TimeSpan limit)
    {
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(limit)) { p.Kill(entireProcessTree: true); throw new TimeoutException("a worker did not finish"); }
        return (p.ExitCode, output.Result + error.Result);
    }

    // The updates a run's training log holds, in order: a second trainer on the same folder would repeat them.
    static List<int> LoggedUpdates(RunConfig run, string cacheRoot) =>
        File.ReadLines(RunFolder.Of(run, cacheRoot).MetricsFile).Select(l => (int)JsonNode.Parse(l)!["update"]!).ToList();

    [RequiresProgramFact("espeak-ng", "espeak-ng")]
    public void Workers_racing_for_the_same_runs_train_each_once()
    {
        using var dir = new TempDir();
        var plan = RunPlan.Of([Smoke.Omp(0.5), Smoke.Mpi(0.5)], Path.Combine(dir.Path, "cache", "experiments"));
        var planFile = dir.File("plan.json");
        plan.Save(planFile);
        var cache = Path.Combine(dir.Path, "cache");
        string omp = Smoke.Omp(0.5).Key, dense = Smoke.Dense().Key, mpi = Smoke.Mpi(0.5).Key;
        // Three workers on OMP (which needs the dense run), one on the dense run, two on MPI: all at once.
        var workers = new[] { omp, dense, omp, mpi, omp, mpi }.Select(key => (Key: key, Process: Start("run", key, "--plan", planFile, "--cache", cache))).ToList();
        var outcomes = workers.Select(w => (w.Key, Result: Finish(w.Process, TimeSpan.FromMinutes(5)))).ToList();

        Assert.All(outcomes, o => Assert.True(o.Result.Code == 0, o.Result.Output));
        foreach (var key in new[] { omp, mpi })
        {
            var lines = outcomes.Where(o => o.Key == key).Select(o => o.Result.Output.Split('\n').Single(l => l.StartsWith($"run {key} ", StringComparison.Ordinal) && (l.Contains("trained here") || l.Contains("read back")))).ToList();
            Assert.Single(lines, l => l.Contains("trained here"));
            Assert.Single(lines.Select(l => System.Text.RegularExpressions.Regex.Match(l, "^(.*?), (trained|read)").Groups[1].Value).Distinct());   // one result
        }
        var experiments = Path.Combine(cache, "experiments");
        foreach (var run in new[] { Smoke.Dense(), Smoke.Omp(0.5), Smoke.Mpi(0.5) })
        {
            var updates = LoggedUpdates(run, experiments);
            Assert.Equal(updates.Distinct().Order(), updates);     // each update logged once: one trainer
        }
        var status = Start("status", "--plan", planFile, "--cache", cache);
        var (code, text) = Finish(status, TimeSpan.FromMinutes(1));
        Assert.Equal(0, code);
        Assert.Contains("3 finished, 0 running, 0 failed, 0 waiting", text);
    }

    [RequiresProgramFact("espeak-ng", "espeak-ng")]
    public void A_killed_worker_holds_nothing_and_the_run_resumes()
    {
        using var dir = new TempDir();
        var plan = RunPlan.Of([Smoke.Dense()], Path.Combine(dir.Path, "cache", "experiments"));
        var planFile = dir.File("plan.json");
        plan.Save(planFile);
        var cache = Path.Combine(dir.Path, "cache");
        var folder = RunFolder.Of(Smoke.Dense(), Path.Combine(cache, "experiments"));
        var worker = Start("run", Smoke.Dense().Key, "--plan", planFile, "--cache", cache);
        Assert.True(SpinWait.SpinUntil(() => WorkClaim.Holder(folder.Path) is not null || worker.HasExited, TimeSpan.FromMinutes(2)), "the worker never claimed the run");
        worker.Kill(entireProcessTree: true);
        worker.WaitForExit();
        using (var claim = WorkClaim.TryAcquire(folder.Path)) Assert.NotNull(claim);   // the kernel released the dead worker's lock

        var again = Finish(Start("run", Smoke.Dense().Key, "--plan", planFile, "--cache", cache), TimeSpan.FromMinutes(5));
        Assert.True(again.Code == 0, again.Output);
        Assert.True(File.Exists(folder.ResultFile));
        Assert.False(File.Exists(SweepWork.FailureFile(Path.Combine(cache, "experiments"), Smoke.Dense().Key)));
    }

    [RequiresProgramFact("espeak-ng", "espeak-ng")]
    public void Local_trains_every_unfinished_run_of_the_plan_once()
    {
        using var dir = new TempDir();
        var cache = Path.Combine(dir.Path, "cache");
        var experiments = Path.Combine(cache, "experiments");
        RunPlan.Of([Smoke.Omp(0.5), Smoke.Random(0.5)], experiments).Save(dir.File("plan.json"));
        var (code, text) = Finish(Start("local", "--plan", dir.File("plan.json"), "--cache", cache), TimeSpan.FromMinutes(5));
        Assert.True(code == 0, text);
        Assert.Contains("3 run(s) to train", text);
        Assert.Contains("3 runs: 3 trained here", text);
        (code, text) = Finish(Start("local", "--plan", dir.File("plan.json"), "--cache", cache), TimeSpan.FromMinutes(5));
        Assert.True(code == 0, text);
        Assert.Contains("0 run(s) to train", text);                  // a second call finds nothing left
        Assert.All(SweepWork.Status(RunPlan.Load(dir.File("plan.json")), experiments), s => Assert.Equal(RunState.Finished, s.State));
    }

    [Fact]
    public void A_text_run_trains_in_a_worker_after_its_source_and_local_finds_nothing_left()
    {
        using var dir = new TempDir();
        var theta0 = Parp.Tests.Text.CrossTaskRunsTests.Theta0(dir);
        var setting = Parp.Text.CrossTaskSetting.For("smoke") with { Model = theta0 };
        var cache = Path.Combine(dir.Path, "cache");
        var run = setting.Fixed("fortune-topic", "fortune-theme");
        RunPlan.Of([], Path.Combine(cache, "experiments"), [run]).Save(dir.File("plan.json"));

        var (code, text) = Finish(Start("status", "--plan", dir.File("plan.json"), "--cache", cache), TimeSpan.FromMinutes(1));
        Assert.Contains("0 finished, 0 running, 0 failed, 2 waiting", text);
        (code, text) = Finish(Start("run", setting.Dense("fortune-theme").Key, "--plan", dir.File("plan.json"), "--cache", cache), TimeSpan.FromMinutes(3));
        Assert.True(code == 0, text);
        Assert.Matches($"run {setting.Dense("fortune-theme").Key} dense fortune-theme s=0: accuracy [0-9.]+, trained here", text);
        (code, text) = Finish(Start("run", run.Key, "--plan", dir.File("plan.json"), "--cache", cache), TimeSpan.FromMinutes(3));
        Assert.True(code == 0, text);
        Assert.Contains($"run {run.Key} fixed fortune-theme fortune-topic s=0.5: accuracy", text);
        (code, text) = Finish(Start("local", "--plan", dir.File("plan.json"), "--cache", cache), TimeSpan.FromMinutes(3));
        Assert.True(code == 0, text);
        Assert.Contains("0 run(s) to train", text);
        (code, text) = Finish(Start("status", "--plan", dir.File("plan.json"), "--cache", cache), TimeSpan.FromMinutes(1));
        Assert.Contains("2 finished, 0 running, 0 failed, 0 waiting", text);
    }

    [Fact]
    public void A_failed_run_is_recorded_and_status_says_why()
    {
        using var dir = new TempDir();
        var cache = Path.Combine(dir.Path, "cache");
        var run = ExperimentSetting.English("paper").Dense();          // no LibriSpeech manifests here: it cannot train
        RunPlan.Of([run], Path.Combine(cache, "experiments")).Save(dir.File("plan.json"));
        var (code, text) = Finish(Start("run", run.Key, "--plan", dir.File("plan.json"), "--cache", cache), TimeSpan.FromMinutes(1));
        Assert.True(code == 1, text);
        Assert.Contains($"error: run {run.Key} failed", text);
        Assert.True(File.Exists(SweepWork.FailureFile(Path.Combine(cache, "experiments"), run.Key)));
        (code, text) = Finish(Start("status", "--plan", dir.File("plan.json"), "--cache", cache), TimeSpan.FromMinutes(1));
        Assert.Equal(1, code);
        Assert.Contains("failed", text);
        Assert.Contains("0 finished, 0 running, 1 failed, 0 waiting", text);
    }

    [Fact]
    public void A_bad_plan_or_key_is_an_error_naming_it()
    {
        using var dir = new TempDir();
        var (code, text) = Finish(Start("run", "0123456789abcdef", "--plan", dir.File("none.json")), TimeSpan.FromMinutes(1));
        Assert.Equal(2, code);
        Assert.Contains("none.json", text);
        RunPlan.Of([Smoke.Mpi(0.5)], dir.Path).Save(dir.File("plan.json"));
        (code, text) = Finish(Start("run", "0123456789abcdef", "--plan", dir.File("plan.json")), TimeSpan.FromMinutes(1));
        Assert.Equal(2, code);
        Assert.Contains("no run with key 0123456789abcdef", text);
    }
}
