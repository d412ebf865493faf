using System.Text.Json.Nodes;
using Parp.Experiments;
using Parp.IO;
using Parp.Sweeps;
using Parp.Tests.Support;
using Parp.Text;

namespace Parp.Tests.Sweeps;

/// <summary>A sweep's plan: runs written whole and read back with their keys, each once, after what they need; bad plan
/// files are errors naming the file.</summary>
public class RunPlanTests
{
    // Every method, dependencies (OMP, IMP, PARP from a foreign mask), an IMP chain, PARP-P, the joint run, every scale.
    static IEnumerable<RunConfig> EveryKind()
    {
        foreach (var scale in new[] { "smoke", "tiny", "paper" })
        {
            var en = ExperimentSetting.English(scale);
            var phones = ExperimentSetting.Multilingual(scale);
            foreach (var run in new[] { en.Dense(), en.Mpi(0.5), en.Random(0.5), en.Omp(0.5), en.Imp(0.3), en.Imp(0.1), en.Parp(0.7),
                         en.ParpProgressive(0.5, 0.7), en.WithSeed(7).WithMixedBf16(true).Parp(0.5) })
                yield return run;
            yield return phones.For("fr").Dense();
            yield return phones.Parp(0.8, "en" == phones.Language ? null : phones.Language);
            if (scale != "paper") yield return phones.Omp(0.8, en.Dense());   // the other track's dense run gives the mask (one θ0 below paper)
            yield return phones.JointParp(0.5, ["es", "fr"]);
        }
    }

    [Fact]
    public void A_run_written_and_read_back_has_the_same_key()
    {
        foreach (var run in EveryKind())
        {
            var back = RunConfigJson.Read(JsonNode.Parse(RunConfigJson.Write(run).ToJsonString())!, "test");
            Assert.Equal(run.Key, back.Key);
            Assert.Equal(run.Label, back.Label);
        }
        var bad = Assert.Throws<FormatException>(() => RunConfigJson.Read(JsonNode.Parse("""{"method": {"kind": "magic"}}""")!, "plan.json, run x"));
        Assert.Contains("plan.json, run x", bad.Message);
    }

    [Fact]
    public void A_plan_holds_each_run_once_after_what_it_needs()
    {
        var smoke = ExperimentSetting.English("smoke");
        // IMP at 0.3 before IMP at 0.1 (one chain), dependencies not listed, a repeat.
        var plan = RunPlan.Of([smoke.Imp(0.3), smoke.Omp(0.5), smoke.Imp(0.1), smoke.Mpi(0.5), smoke.Mpi(0.5)], "/cache");
        var keys = plan.Runs.Select(r => r.Key).ToList();
        Assert.Equal(5, keys.Count);                                   // dense, imp 0.3, omp, imp 0.1, mpi: each once
        Assert.Equal(keys.Count, keys.Distinct().Count());
        foreach (var (run, index) in plan.Runs.Select((r, i) => (r, i)))
            Assert.All(run.Needs, need => Assert.True(keys.IndexOf(need) < index, $"{run.Label} needs {need}, planned after it"));
        var dense = smoke.Dense().Key;
        Assert.Equal([dense], plan.Runs.Single(r => r.Key == smoke.Omp(0.5).Key).Needs);
        Assert.Equal([dense, smoke.Imp(0.1).Key], plan.Runs.Single(r => r.Key == smoke.Imp(0.3).Key).Needs);   // the chain in order
        Assert.Empty(plan.Runs.Single(r => r.Key == smoke.Mpi(0.5).Key).Needs);
    }

    [Fact]
    public void A_plan_saved_and_loaded_is_the_same_and_a_bad_file_is_named()
    {
        using var dir = new TempDir();
        var plan = RunPlan.Of(EveryKind(), "/cache");
        var file = dir.File("plan.json");
        plan.Save(file);
        var back = RunPlan.Load(file);
        Assert.Equal(plan.Runs.Select(r => (r.Key, string.Join(",", r.Needs))), back.Runs.Select(r => (r.Key, string.Join(",", r.Needs))));
        Assert.Equal(plan.Runs[3].Key, back.Find(plan.Runs[3].Key, file).Run!.Key);
        Assert.Contains(file, Assert.Throws<KeyNotFoundException>(() => back.Find("0000000000000000", file)).Message);

        File.WriteAllText(file, "{\"runs\": [");
        Assert.Contains(file, Assert.Throws<FormatException>(() => RunPlan.Load(file)).Message);
        // A run whose description no longer gives its key (another version of the code) is refused.
        var json = RunConfigJson.Write(ExperimentSetting.English("smoke").Mpi(0.5));
        File.WriteAllText(file, new JsonObject { ["runs"] = new JsonArray(new JsonObject { ["key"] = "0123456789abcdef", ["run"] = json }) }.ToJsonString());
        Assert.Contains("describes run", Assert.Throws<FormatException>(() => RunPlan.Load(file)).Message);
        Assert.Throws<FileNotFoundException>(() => RunPlan.Load(dir.File("none.json")));
    }

    [Fact]
    public void Slurm_arrays_go_by_level_depend_on_exactly_the_tasks_they_need_and_start_in_the_plan_folder()
    {
        var smoke = ExperimentSetting.English("smoke");
        var plan = RunPlan.Of([smoke.Omp(0.5), smoke.Imp(0.2), smoke.Imp(0.1), smoke.Mpi(0.5)], "/cache/experiments");
        var arrays = SlurmScripts.For(plan, "/shared/sweep/plan.json", "/cache", "/opt/parp-sweep", "/shared/sweep/logs",
            new SlurmOptions(Partition: "gpu", Gres: "gpu:1", Requeue: false));
        Assert.Equal([0, 1, 2], arrays.Select(a => a.Level));
        Assert.Equal([smoke.Dense().Key, smoke.Mpi(0.5).Key], arrays[0].Keys.Order());
        Assert.Null(arrays[0].Dependency(["10", "11"]));
        int dense = arrays[0].Keys.ToList().IndexOf(smoke.Dense().Key), imp01 = arrays[1].Keys.ToList().IndexOf(smoke.Imp(0.1).Key);
        Assert.Equal($"afterok:10_{dense}", arrays[1].Dependency(["10", "11"]));              // OMP and IMP 0.1 need the dense run only
        Assert.Equal($"afterok:10_{dense}:11_{imp01}", arrays[2].Dependency(["10", "11"]));   // IMP 0.2 extends IMP 0.1's chain
        var script = arrays[1].Script;
        Assert.Contains("#SBATCH --array=0-1", script);
        Assert.Contains("#SBATCH --chdir=/shared/sweep", script);      // not wherever sbatch was called from
        Assert.Contains("#SBATCH --partition=gpu", script);
        Assert.Contains("#SBATCH --gres=gpu:1", script);
        Assert.Contains("#SBATCH --no-requeue", script);
        Assert.Contains("exec /opt/parp-sweep run \"$key\" --plan /shared/sweep/plan.json --cache /cache", script);
    }

    [Fact]
    public void Text_runs_are_planned_after_their_source_saved_loaded_and_recorded_apart_from_speech_runs()
    {
        using var dir = new TempDir();
        var setting = CrossTaskSetting.For("smoke") with { Model = "/models/tiny-bert" };
        var fixedFromTheme = setting.Fixed("fortune-topic", "fortune-theme");
        var parpFromTheta0 = setting.Parp("fortune-topic", TextRunConfig.PreTrained);
        var plan = RunPlan.Of([ExperimentSetting.English("smoke").Mpi(0.5)], "/cache", [fixedFromTheme, parpFromTheta0]);
        Assert.Equal([ExperimentSetting.English("smoke").Mpi(0.5).Key, setting.Dense("fortune-theme").Key, fixedFromTheme.Key, parpFromTheta0.Key],
            plan.Runs.Select(r => r.Key));
        Assert.Equal([setting.Dense("fortune-theme").Key], plan.Runs[2].Needs);
        Assert.Empty(plan.Runs[3].Needs);
        Assert.Equal("fortune-topic", plan.Runs[2].Language);

        plan.Save(dir.File("plan.json"));
        var back = RunPlan.Load(dir.File("plan.json"));
        Assert.Equal(plan.Runs.Select(r => (r.Key, string.Join(",", r.Needs))), back.Runs.Select(r => (r.Key, string.Join(",", r.Needs))));
        Assert.Equal(fixedFromTheme.Key, back.Runs[2].Text!.Key);
        Assert.Null(back.Runs[2].Run);
        Assert.Equal(Path.Combine("/cache", fixedFromTheme.Key, "result.json"), back.Runs[2].ResultFile("/cache"));

        // A notebook's dry run records its text runs (and their sources) in the same file as speech runs, apart.
        var file = dir.File("recorded.jsonl");
        var before = Environment.GetEnvironmentVariable(RunConfigJson.RecordVariable);
        try
        {
            Environment.SetEnvironmentVariable(RunConfigJson.RecordVariable, file);
            ExperimentRunner.Run([ExperimentSetting.English("smoke").Mpi(0.5)], dryRun: true);
            Assert.Empty(new CrossTaskExperiment("smoke", dryRun: true).Run([fixedFromTheme with { Model = CrossTaskSetting.TinyModel }]));
        }
        finally { Environment.SetEnvironmentVariable(RunConfigJson.RecordVariable, before); }
        Assert.Equal([ExperimentSetting.English("smoke").Mpi(0.5).Key], RunConfigJson.ReadRecording(file).Select(r => r.Key));
        var text = CrossTaskRuns.ReadRecording(file);
        Assert.Equal([(setting.Dense("fortune-theme") with { Model = CrossTaskSetting.TinyModel }).Key, (fixedFromTheme with { Model = CrossTaskSetting.TinyModel }).Key],
            text.Select(r => r.Key));
        Assert.Contains("not a text run", Assert.Throws<FormatException>(() => TextRunConfig.FromJson(JsonNode.Parse("{\"scale\": \"tiny\"}")!, "x.json")).Message);
    }

    [Fact]
    public void A_dry_run_records_its_runs_when_asked()
    {
        using var dir = new TempDir();
        var file = dir.File("recorded.jsonl");
        var smoke = ExperimentSetting.English("smoke");
        var before = Environment.GetEnvironmentVariable(RunConfigJson.RecordVariable);
        try
        {
            Environment.SetEnvironmentVariable(RunConfigJson.RecordVariable, file);
            ExperimentRunner.Run([smoke.Mpi(0.5), smoke.Omp(0.5)], dryRun: true);
            ExperimentRunner.Run([smoke.Parp(0.5)], dryRun: true);
        }
        finally { Environment.SetEnvironmentVariable(RunConfigJson.RecordVariable, before); }
        Assert.Equal([smoke.Mpi(0.5).Key, smoke.Omp(0.5).Key, smoke.Parp(0.5).Key], RunConfigJson.ReadRecording(file).Select(r => r.Key));
    }
}

/// <summary>A claim is held by one holder at a time, says who holds it, and is free again when released.</summary>
public class WorkClaimTests
{
    [Fact]
    public void One_holder_at_a_time_and_free_again_after_release()
    {
        using var dir = new TempDir();
        var work = dir.File("0123456789abcdef");
        using (var first = WorkClaim.TryAcquire(work))
        {
            Assert.NotNull(first);
            Assert.Null(WorkClaim.TryAcquire(work));
            Assert.Contains($"process {Environment.ProcessId}", WorkClaim.Holder(work));
        }
        Assert.Null(WorkClaim.Holder(work));
        using var again = WorkClaim.TryAcquire(work);
        Assert.NotNull(again);
    }

    [Fact]
    public async Task A_waiting_worker_gets_the_claim_when_it_is_released()
    {
        using var dir = new TempDir();
        var work = dir.File("run");
        var held = WorkClaim.TryAcquire(work)!;
        var heard = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var waiter = Task.Run(() => WorkClaim.Acquire(work, waiting: heard.Enqueue, poll: TimeSpan.FromMilliseconds(20)));
        Assert.True(SpinWait.SpinUntil(() => !heard.IsEmpty, TimeSpan.FromSeconds(10)), "the waiter never said it waits");
        Assert.False(waiter.IsCompleted);
        held.Dispose();
        using var claim = await waiter.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("waiting for", Assert.Single(heard));
        using var cancel = new CancellationTokenSource(50);
        Assert.ThrowsAny<OperationCanceledException>(() => WorkClaim.Acquire(work, cancel.Token, poll: TimeSpan.FromMilliseconds(10)));
    }
}
