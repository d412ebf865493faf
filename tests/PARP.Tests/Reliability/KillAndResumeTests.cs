using System.Diagnostics;
using System.Text.Json.Nodes;
using Parp.IO;
using Parp.Tests.Support;
using Xunit.Abstractions;

namespace Parp.Tests.Reliability;

/// <summary>
/// A killed main job resumes to the same numbers. Notebook 09 (E13) runs at smoke through the notebook host, as a
/// separate process, with one interval: a dense, an MPI and a PARP run of 6 updates each. A test kills that process
/// with SIGKILL (at a random mid-run update, or half-way through writing a checkpoint, a mask or a result), runs the same
/// command again, and compares every result.json, mask, PARP log and results.csv with those of an uninterrupted run,
/// apart from the wall-time fields.
/// </summary>
[Trait("Category", "Reliability")]
[Collection(nameof(KillAndResumeTests))]
public class KillAndResumeTests(KillAndResumeTests.Uninterrupted reference, ITestOutputHelper log) : IClassFixture<KillAndResumeTests.Uninterrupted>
{
    static readonly string Root = Repository.Root();
    static readonly string Notebook = Path.Combine(Root, "notebooks", "09-reprune-interval.ipynb");

    /// <summary>The same command, never interrupted: what every resumed run must reproduce.</summary>
    public sealed class Uninterrupted : IDisposable
    {
        public TempDir Artifacts { get; } = new();
        public (int Exit, string Output) Run { get; }
        public Uninterrupted()
        {
            if (global::Parp.Audio.ExternalProgram.IsAvailable("espeak-ng")) Run = Host(Artifacts.Path).WaitForExit();
        }
        public void Dispose() => Artifacts.Dispose();
    }

    /// <summary>The notebook host running notebook 09 at smoke into <paramref name="artifacts"/>.</summary>
    sealed class HostProcess(Process process)
    {
        readonly System.Text.StringBuilder output = new();
        public Process Process => process;
        public void Capture()
        {
            process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
            process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }
        public (int Exit, string Output) WaitForExit()
        {
            if (!process.WaitForExit(TimeSpan.FromMinutes(10))) { process.Kill(entireProcessTree: true); throw new TimeoutException("the notebook host ran over 10 minutes"); }
            process.WaitForExit();
            lock (output) return (process.ExitCode, output.ToString());
        }
    }

    static HostProcess Host(string artifacts, string? killDuringWrite = null)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "parp-notebooks"))
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Root,
        };
        foreach (var a in new[] { "--scale", "smoke", "-p", "intervals=2", "-p", "device=cpu", "--no-report", "--artifacts", artifacts, Notebook })
            start.ArgumentList.Add(a);
        // The generated audio is shared with the other tests (it is input, not output); everything else goes to artifacts.
        start.Environment[CorpusVariable] = Path.Combine(Root, "artifacts", "cache", "corpora");
        start.Environment.Remove(Artifacts.Variable);
        start.Environment.Remove(Artifacts.CacheVariable);
        if (killDuringWrite is not null) start.Environment[FaultVariable] = killDuringWrite;
        var host = new HostProcess(Process.Start(start)!);
        host.Capture();
        return host;
    }

    const string CorpusVariable = global::Parp.Data.Corpora.CorpusPaths.CacheVariable;
    const string FaultVariable = "PARP_KILL_DURING_WRITE";   // Parp.IO.FaultInjection.Variable (the host links that file too)
    const int Sigkill = 128 + 9;

    [RequiresProgramFact("espeak-ng", "espeak-ng")]
    public void Killed_at_a_random_update_of_a_run_it_resumes_to_the_same_results()
    {
        Assert.True(reference.Run.Exit == 0, reference.Run.Output);
        int seed = Environment.TickCount, killAt = new Random(seed).Next(1, 7);
        log.WriteLine($"kill at the {killAt}-th mid-run checkpoint seen (seed {seed})");
        using var artifacts = new TempDir();
        var host = Host(artifacts.Path);
        var seen = new HashSet<string>();
        var clock = Stopwatch.StartNew();
        while (!host.Process.HasExited && seen.Count < killAt && clock.Elapsed < TimeSpan.FromMinutes(10))
        {
            var cache = Path.Combine(artifacts.Path, "cache", "experiments");
            foreach (var latest in Directory.Exists(cache) ? Directory.EnumerateFiles(cache, "latest", SearchOption.AllDirectories) : [])
            {
                string update;
                try { update = File.ReadAllText(latest).Trim(); } catch (IOException) { continue; }
                if (update is "update-0000001" or "update-0000002" or "update-0000003" or "update-0000004" or "update-0000005")
                    seen.Add(latest + update);
            }
            Thread.Sleep(2);
        }
        Assert.False(host.Process.HasExited, $"the host finished before {killAt} mid-run checkpoints were seen (seen {seen.Count})");
        host.Process.Kill(entireProcessTree: true);
        var killed = host.WaitForExit();
        Assert.Equal(Sigkill, killed.Exit);
        log.WriteLine($"killed after: {string.Join(", ", seen.Select(s => s.Replace(artifacts.Path, "")))}");

        ResumeAndCompare(artifacts.Path);
    }

    [RequiresProgramTheory("espeak-ng", "espeak-ng")]
    [InlineData("checkpoints/update-", 18)]   // 3 runs × 6 checkpoints
    [InlineData("/masks/", 4)]                // MPI's and PARP's initial and final masks
    [InlineData("result.json", 3)]
    public void Killed_half_way_through_a_write_it_resumes_to_the_same_results(string file, int writes)
    {
        Assert.True(reference.Run.Exit == 0, reference.Run.Output);
        int seed = Environment.TickCount, n = new Random(seed).Next(1, writes + 1);
        log.WriteLine($"kill half-way through write {n} of '{file}' (seed {seed})");
        using var artifacts = new TempDir();
        var killed = Host(artifacts.Path, killDuringWrite: $"{file}:{n}").WaitForExit();
        Assert.True(killed.Exit == Sigkill, $"exit {killed.Exit}, not killed:\n{killed.Output}");
        Assert.Contains($"{FaultVariable}: killing this process half-way through writing", killed.Output);

        ResumeAndCompare(artifacts.Path);
    }

    void ResumeAndCompare(string artifacts)
    {
        var resumed = Host(artifacts).WaitForExit();
        Assert.True(resumed.Exit == 0, resumed.Output);
        var expected = Path.Combine(reference.Artifacts.Path, "cache", "experiments");
        var actual = Path.Combine(artifacts, "cache", "experiments");
        var runs = Directory.GetDirectories(expected).Select(Path.GetFileName).Order().ToList();
        Assert.Equal(runs, Directory.GetDirectories(actual).Select(Path.GetFileName).Where(n => !n!.Contains(".damaged")).Order());
        foreach (var run in runs)
        {
            string Read(string root, string name) => Path.Combine(root, run!, name);
            Assert.Equal(WithoutWallTime(Read(expected, "result.json")), WithoutWallTime(Read(actual, "result.json")));
            foreach (var name in new[] { "masks/initial.safetensors", "masks/final.safetensors", "parp-history.json", "run/model/model.safetensors" })
                if (File.Exists(Read(expected, name)))
                    Assert.True(File.ReadAllBytes(Read(expected, name)).SequenceEqual(File.ReadAllBytes(Read(actual, name))), $"{run}/{name} differs");
        }
        string Csv(string root) => string.Join("\n", File.ReadAllLines(Path.Combine(root, "experiments", "e13-smoke", "results.csv"))
            .Select(line => string.Join(',', line.Split(',').Where((_, i) => i != 10))));   // column 11: train_seconds
        Assert.Equal("method,label,language,trained_on,sparsity,metric,error_rate_percent,cer_percent,measured_sparsity,updates,train_seconds,key",
            File.ReadLines(Path.Combine(artifacts, "experiments", "e13-smoke", "results.csv")).First());
        Assert.Equal(Csv(reference.Artifacts.Path), Csv(artifacts));
    }

    static string WithoutWallTime(string resultFile)
    {
        var results = JsonNode.Parse(File.ReadAllText(resultFile))!.AsArray();
        foreach (var r in results) r!.AsObject().Remove("TrainSeconds");
        return results.ToJsonString();
    }
}
