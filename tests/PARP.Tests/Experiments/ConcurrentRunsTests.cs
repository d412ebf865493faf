using Parp.Experiments;
using Parp.Experiments.Methods;
using Parp.Models;
using Parp.Tests.Support;
using Parp.Training;

namespace Parp.Tests.Experiments;

/// <summary>
/// Runs trained at once give exactly what they give one after another (each has its own random streams and the same
/// threads), wait for what they need, never extend IMP's chain together, and a failure stops the others resumably.
/// </summary>
[Collection(nameof(GlobalTorchRandom))]
public class ConcurrentRunsTests
{
    static ExperimentSetting Smoke => ExperimentSetting.English("smoke");

    // Dependencies (OMP and IMP on the dense run, which is not listed), two IMP runs on one chain, and independent runs.
    static List<RunConfig> Plan() => [Smoke.Mpi(0.5), Smoke.Omp(0.5), Smoke.Imp(0.2), Smoke.Parp(0.5), Smoke.Imp(0.1), Smoke.Random(0.5)];

    [RequiresProgramFact("espeak-ng", "espeak-ng")]
    public void Three_runs_at_once_give_the_same_bytes_as_one_at_a_time()
    {
        using var one = new TempDir();
        using var three = new TempDir();
        var started = new List<string>();
        var sequential = ExperimentRunner.Run(Plan(), cacheRoot: one.Path, parallelism: new RunParallelism(1, 1),
            progress: new Parp.Runtime.SynchronousProgress<ExperimentProgress>(p => { if (p.Training is null && !p.Finished) started.Add(p.Run.Key); }));
        // The longest chain of work first: the dense run (both IMP runs and OMP wait for it), then IMP at 0.2 (IMP at 0.1,
        // listed after it on the same chain, waits for it), then IMP at 0.1 (a round more than a plain run), then the
        // list's order.
        Assert.Equal([Smoke.Dense().Key, Smoke.Imp(0.2).Key, Smoke.Imp(0.1).Key, Smoke.Mpi(0.5).Key, Smoke.Omp(0.5).Key], started.Take(5));
        var inFlight = new HashSet<string>();
        int most = 0;
        var chainTogether = false;
        var progress = new Parp.Runtime.SynchronousProgress<ExperimentProgress>(p =>
        {
            if (p.Finished) inFlight.Remove(p.Run.Key);
            else inFlight.Add(p.Run.Key);
            most = Math.Max(most, inFlight.Count);
            chainTogether |= inFlight.Contains(Smoke.Imp(0.2).Key) && inFlight.Contains(Smoke.Imp(0.1).Key);
        });
        var concurrent = ExperimentRunner.Run(Plan(), cacheRoot: three.Path, progress: progress, parallelism: new RunParallelism(3, 1));

        Assert.Equal(3, most);
        Assert.False(chainTogether);
        static object Numbers(RunResult r) => (r.Key, r.Language, r.ErrorRate, r.CharacterErrorRate, r.MeasuredSparsity, r.Updates, r.FromCache);
        Assert.Equal(sequential.Select(Numbers), concurrent.Select(Numbers));
        Assert.All(concurrent, r => Assert.False(r.FromCache));
        foreach (var run in Plan().Append(Smoke.Dense()))
        {
            var a = RunFolder.Of(run, one.Path);
            var b = RunFolder.Of(run, three.Path);
            Assert.Equal(File.ReadAllBytes(Path.Combine(a.ModelFolder, "model.safetensors")), File.ReadAllBytes(Path.Combine(b.ModelFolder, "model.safetensors")));
            if (run.Method.IsDense) continue;
            Assert.Equal(File.ReadAllBytes(a.FinalMask), File.ReadAllBytes(b.FinalMask));
        }
    }

    [RequiresProgramFact("espeak-ng", "espeak-ng")]
    public void Runs_alongside_train_in_the_same_schedule_are_returned_apart_and_cost_nothing()
    {
        using var cache = new TempDir();
        var ledger = new Parp.Pruning.CostLedger();
        RunConfig mpi = Smoke.Mpi(0.5), otherSeed = Smoke.WithSeed(1).Mpi(0.5);
        var (results, alongside) = ExperimentRunner.Run([mpi], [otherSeed, mpi], cacheRoot: cache.Path, ledger: ledger,
            parallelism: new RunParallelism(2, 1));

        Assert.Equal([mpi.Key], results.Select(r => r.Key));
        Assert.Equal([otherSeed.Key, mpi.Key], alongside.Select(r => r.Key));
        Assert.Equal(results[0], alongside[1]);                         // listed twice, trained once
        Assert.All(results.Concat(alongside), r => Assert.False(r.FromCache));
        Assert.Equal([mpi.Key], ledger.Runs.Select(c => c.Purpose.Split(' ')[^1]));   // the other seed is not counted
    }

    /// <summary>A method whose set-up fails, to see what happens to the runs beside it.</summary>
    sealed record Failing() : PruningMethod("failing")
    {
        public override ITrainingCallback? Callback(RunConfig run, Wav2Vec2ForCtc theta0, IRunContext context) =>
            throw new InvalidOperationException("this method always fails");
    }

    [RequiresProgramFact("espeak-ng", "espeak-ng")]
    public void A_failing_run_stops_the_others_resumably_and_its_error_is_thrown()
    {
        using var cache = new TempDir();
        var failing = new RunConfig(new Failing(), 0.5, Smoke.Source, Smoke.FixedRecipe, Smoke.CorpusScale, "en", Smoke.TrainSplit, Smoke.EvalSplit);
        var error = Assert.Throws<InvalidOperationException>(() =>
            ExperimentRunner.Run([Smoke.Parp(0.5), failing, Smoke.Mpi(0.5)], cacheRoot: cache.Path, parallelism: new RunParallelism(2, 1)));
        Assert.Equal("this method always fails", error.Message);
        Assert.False(Directory.Exists(RunFolder.Of(Smoke.Mpi(0.5), cache.Path).Path));   // queued behind the failure: never started

        using var fresh = new TempDir();
        var again = ExperimentRunner.Run([Smoke.Parp(0.5)], cacheRoot: cache.Path, parallelism: new RunParallelism(1, 1)).Single();
        var alone = ExperimentRunner.Run([Smoke.Parp(0.5)], cacheRoot: fresh.Path, parallelism: new RunParallelism(1, 1)).Single();
        Assert.Equal(alone.ErrorRate, again.ErrorRate);
        Assert.Equal(File.ReadAllBytes(Path.Combine(RunFolder.Of(Smoke.Parp(0.5), fresh.Path).ModelFolder, "model.safetensors")),
            File.ReadAllBytes(Path.Combine(RunFolder.Of(Smoke.Parp(0.5), cache.Path).ModelFolder, "model.safetensors")));
    }

    [Fact]
    public void The_default_is_one_run_per_core_on_the_cpu_and_one_at_a_time_on_a_gpu()
    {
        var cpu = RunParallelism.For(TorchSharp.DeviceType.CPU);
        Assert.Equal(Environment.GetEnvironmentVariable(RunParallelism.Variable) is null ? Environment.ProcessorCount : cpu.RunsAtOnce, cpu.RunsAtOnce);
        Assert.Equal(Math.Max(1, Environment.ProcessorCount / cpu.RunsAtOnce), cpu.ThreadsPerRun);
        Assert.Equal(RunParallelism.Sequential, RunParallelism.For(TorchSharp.DeviceType.CUDA));
    }
}
