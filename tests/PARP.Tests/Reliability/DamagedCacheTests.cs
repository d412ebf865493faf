using System.Text.Json.Nodes;
using Parp.Experiments;
using Parp.Tests.Support;
using Parp.Training;

namespace Parp.Tests.Reliability;

/// <summary>
/// A damaged cache is never trusted. Three smoke runs (dense, MPI, PARP) are made once; each test copies that cache,
/// damages it one way, and runs again: the damage is detected and reported, the damaged file is moved aside (kept), and
/// the results, masks and PARP log come out identical to the undamaged run's (apart from wall time).
/// </summary>
[Trait("Category", "Reliability")]
[Collection(nameof(GlobalTorchRandom))]
public class DamagedCacheTests(DamagedCacheTests.Reference reference) : IClassFixture<DamagedCacheTests.Reference>
{
    static ExperimentSetting Smoke => ExperimentSetting.English("smoke");
    static RunConfig Dense => Smoke.Dense();
    static RunConfig Mpi => Smoke.Mpi(0.5);
    static RunConfig Parp => Smoke.Parp(0.5);
    static readonly RunConfig[] Runs = [Dense, Mpi, Parp];

    /// <summary>The undamaged cache, made once for the class.</summary>
    public sealed class Reference : IDisposable
    {
        public TempDir Cache { get; } = new();
        public Reference()
        {
            if (global::Parp.Audio.ExternalProgram.IsAvailable("espeak-ng")) ExperimentRunner.Run(Runs, cacheRoot: Cache.Path);
        }
        public void Dispose() => Cache.Dispose();
    }

    // A copy of the reference cache, the damage done to it, a second call, and what that call said on stderr.
    (TempDir Cache, List<RunResult> Results, string Warnings) DamageAndRunAgain(Action<string> damage, params RunConfig[] runs)
    {
        var cache = new TempDir();
        CopyFolder(reference.Cache.Path, cache.Path);
        damage(cache.Path);
        var errors = new StringWriter();
        var previous = Console.Error;
        Console.SetError(errors);
        try { return (cache, ExperimentRunner.Run(runs.Length > 0 ? runs : Runs, cacheRoot: cache.Path), errors.ToString()); }
        finally { Console.SetError(previous); }
    }

    static RunFolder Folder(string cache, RunConfig run) => RunFolder.Of(run, cache);

    // result.json without the wall time, which a resumed run counts differently.
    static string Result(string cache, RunConfig run)
    {
        var results = JsonNode.Parse(File.ReadAllText(Folder(cache, run).ResultFile))!.AsArray();
        foreach (var r in results) r!.AsObject().Remove("TrainSeconds");
        return results.ToJsonString();
    }

    void AssertSameAsReference(string cache, params RunConfig[] runs)
    {
        foreach (var run in runs)
        {
            Assert.Equal(Result(reference.Cache.Path, run), Result(cache, run));
            var (expected, actual) = (Folder(reference.Cache.Path, run), Folder(cache, run));
            if (run.Method.IsDense) continue;
            Assert.Equal(File.ReadAllBytes(expected.InitialMask), File.ReadAllBytes(actual.InitialMask));
            Assert.Equal(File.ReadAllBytes(expected.FinalMask), File.ReadAllBytes(actual.FinalMask));
            if (run.Method.ReprunesEvery is not null) Assert.Equal(File.ReadAllText(expected.ParpHistory), File.ReadAllText(actual.ParpHistory));
        }
    }

    [RequiresProgramFact("espeak-ng", "espeak-ng")]
    public void A_truncated_result_is_moved_aside_and_the_run_evaluated_again()
    {
        var (cache, results, warnings) = DamageAndRunAgain(c =>
        {
            var file = Folder(c, Parp).ResultFile;
            File.WriteAllText(file, File.ReadAllText(file)[..40]);
        });
        using (cache)
        {
            Assert.Contains($"{Folder(cache.Path, Parp).ResultFile}: not a list of results (truncated?)", warnings);
            Assert.True(File.Exists(Folder(cache.Path, Parp).ResultFile + ".damaged"));
            Assert.False(results.Single(r => r.Key == Parp.Key).FromCache);
            Assert.True(results.Single(r => r.Key == Mpi.Key).FromCache);   // the sound runs are read back as they are
            AssertSameAsReference(cache.Path, Runs);
        }
    }

    [RequiresProgramFact("espeak-ng", "espeak-ng")]
    public void A_result_of_another_configuration_is_not_reused()
    {
        var (cache, results, warnings) = DamageAndRunAgain(c => File.Copy(Folder(c, Mpi).ResultFile, Folder(c, Parp).ResultFile, overwrite: true));
        using (cache)
        {
            Assert.Contains($"{Folder(cache.Path, Parp).ResultFile}: holds the result of another run (key {Mpi.Key}, mpi en s=0.5)", warnings);
            Assert.Equal("parp", results.Single(r => r.Key == Parp.Key).Method);
            AssertSameAsReference(cache.Path, Runs);
        }
    }

    [RequiresProgramFact("espeak-ng", "espeak-ng")]
    public void A_missing_or_truncated_mask_is_written_again_from_the_runs_checkpoint()
    {
        var (cache, _, warnings) = DamageAndRunAgain(c =>
        {
            File.Delete(Folder(c, Mpi).FinalMask);
            var parpMask = Folder(c, Parp).InitialMask;
            File.WriteAllBytes(parpMask, File.ReadAllBytes(parpMask)[..^100]);
        });
        using (cache)
        {
            Assert.Contains($"{Folder(cache.Path, Mpi).FinalMask}: missing", warnings);
            Assert.Contains($"{Folder(cache.Path, Parp).InitialMask}: ", warnings);
            Assert.Contains("the file is truncated", warnings);
            AssertSameAsReference(cache.Path, Runs);
        }
    }

    [RequiresProgramFact("espeak-ng", "espeak-ng")]
    public void A_mask_of_another_run_is_detected_by_the_run_it_names()
    {
        var (cache, _, warnings) = DamageAndRunAgain(c => File.Copy(Folder(c, Mpi).FinalMask, Folder(c, Parp).FinalMask, overwrite: true));
        using (cache)
        {
            Assert.Contains($"{Folder(cache.Path, Parp).FinalMask}: belongs to run {Mpi.Key}", warnings);
            AssertSameAsReference(cache.Path, Runs);
        }
    }

    [RequiresProgramFact("espeak-ng", "espeak-ng")]
    public void A_folder_holding_another_run_is_moved_aside_whole_and_the_run_redone()
    {
        var (cache, _, warnings) = DamageAndRunAgain(c =>
        {
            Directory.Delete(Folder(c, Parp).Path, recursive: true);
            CopyFolder(Folder(c, Mpi).Path, Folder(c, Parp).Path);
        });
        using (cache)
        {
            Assert.Contains($"{Folder(cache.Path, Parp).Path} holds another run (its config.json is not this run's parp en s=0.5)", warnings);
            Assert.True(Directory.Exists(Folder(cache.Path, Parp).Path + ".damaged"));
            AssertSameAsReference(cache.Path, Runs);
        }
    }

    [RequiresProgramFact("espeak-ng", "espeak-ng")]
    public void A_half_written_checkpoint_is_set_aside_and_the_run_resumes_from_the_one_before()
    {
        // The PARP run as if stopped while its last checkpoint (update 6 of 6) was being written: nothing after training
        // exists yet, and that checkpoint's weights are cut in half. Update 5's checkpoint is whole.
        var (cache, _, warnings) = DamageAndRunAgain(c =>
        {
            var folder = Folder(c, Parp);
            foreach (var f in new[] { folder.ResultFile, folder.InitialMask, folder.FinalMask, folder.ParpHistory }) File.Delete(f);
            Directory.Delete(folder.ModelFolder, recursive: true);
            var weights = Path.Combine(folder.TrainingFolder, "checkpoints", "update-0000006", "model.safetensors");
            var bytes = File.ReadAllBytes(weights);
            File.WriteAllBytes(weights, bytes[..(bytes.Length / 2)]);
        }, Parp);
        using (cache)
        {
            var checkpoints = Path.Combine(Folder(cache.Path, Parp).TrainingFolder, "checkpoints");
            Assert.Contains($"{Path.Combine(checkpoints, "update-0000006", "model.safetensors")}: tensor", warnings);
            Assert.Contains("the file is truncated", warnings);
            Assert.True(Directory.Exists(Path.Combine(checkpoints, "damaged-update-0000006")));
            AssertSameAsReference(cache.Path, Parp);
        }
    }

    static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var dir in Directory.GetDirectories(from)) CopyFolder(dir, Path.Combine(to, Path.GetFileName(dir)));
    }
}
