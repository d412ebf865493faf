using System.Diagnostics;
using System.Globalization;
using Parp.Experiments;
using Parp.IO;
using Parp.Runtime;
using Parp.Sweeps;
using static TorchSharp.torch;

// parp-sweep: the runs of notebooks as one plan, trained by workers that share a cache, locally or as Slurm job arrays.
//
//   parp-sweep plan [--scale tiny] [-p NAME=VALUE ...] [--out sweep/plan.json] [--cache DIR] [--host PATH] [NOTEBOOK ...]
//       the runs the notebooks (default: every notebook in notebooks/ with a dryRun parameter) need, from their own dry
//       runs through the notebook host (dotnet run on PARP.Notebooks.csproj, or the built host --host names), each once
//       with what it waits for; already finished runs are marked
//   parp-sweep run KEY [--plan sweep/plan.json] [--cache DIR] [--device cpu|cuda] [--skip-claimed]
//       trains one run into the cache (resuming it), or reads it back when finished; waits while another worker trains it
//       (--skip-claimed: leaves it to that worker)
//   parp-sweep local [--plan sweep/plan.json] [--cache DIR] [--device cpu|cuda]
//       every unfinished run of the plan on this machine, several at once across notebooks (the runner's parallelism)
//   parp-sweep status [--plan sweep/plan.json] [--cache DIR]
//       finished, running (who), failed (the error and the log's last lines) or waiting, per run
//   parp-sweep submit [--plan sweep/plan.json] [--cache DIR] [--partition P] [--gres gpu:1] [--cpus 2] [--mem 16G]
//                     [--time 12:00:00] [--account A] [--no-requeue] [--dry-run]
//       Slurm job arrays of the runs not finished yet, one per level of the plan, one task per run, with --dependency
//       on the tasks each needs (a resubmission after a failure submits what is left)
//
// --cache DIR is the notebook host's: runs go to DIR/experiments, generated speech beside them; by default $PARP_CACHE,
// else artifacts/cache, the notebooks' own, so that notebooks run after a sweep read every run back.

string command = args.FirstOrDefault() ?? "help";
try
{
    var (options, words) = SweepOptions.Parse(args.Skip(1).ToArray());
    string planFile = Path.GetFullPath(options.Get("plan") ?? options.Get("out") ?? Path.Combine("sweep", "plan.json"));
    // --cache is the host's: the cache of runs and generated speech (its runs in experiments/), for this process and its children.
    if (options.Get("cache") is { } c) Environment.SetEnvironmentVariable(Artifacts.CacheVariable, Path.GetFullPath(c));
    string cache = Path.GetFullPath(Artifacts.Cache), cacheRoot = Path.GetFullPath(ExperimentRunner.DefaultCache);
    string logs = Path.Combine(Path.GetDirectoryName(planFile)!, "logs");
    switch (command)
    {
        case "plan": return Plan(options, words, planFile, cache, cacheRoot);
        case "run":
        {
            var key = words.SingleOrDefault() ?? throw new ArgumentException("run needs one run key (see `parp-sweep status`)");
            var device = options.Get("device") is { } d ? new Device(d) : cuda.is_available() ? CUDA : CPU;
            var lines = new ThrottledProgress<string>(Console.WriteLine, TimeSpan.FromSeconds(30));
            var clock = Stopwatch.StartNew();
            var plan = RunPlan.Load(planFile);
            plan.Find(key, planFile);
            IReadOnlyList<string>? results;
            try
            {
                results = SweepWork.Run(plan, key, planFile, cacheRoot, device, options.Flag("skip-claimed"),
                    new SynchronousProgress<ExperimentProgress>(p => lines.Report(p.ToString())));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                lines.Flush();
                Console.Error.WriteLine($"error: run {key} failed: {e.Message} (recorded in {SweepWork.FailureFile(cacheRoot, key)})\n{e}");
                return 1;
            }
            lines.Flush();
            if (results is null) { Console.WriteLine($"run {key}: another worker holds it; left to that worker"); return 0; }
            foreach (var line in results)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"run {key} {line} ({clock.Elapsed.TotalSeconds:F0} s in all)"));
            return 0;
        }
        case "local":
        {
            // Every unfinished run of the plan on this machine, as the runner schedules a notebook's runs (several at
            // once on the CPU, each after what it needs), but across all the notebooks: no notebook's last run trains
            // alone while a core idles.
            var plan = RunPlan.Load(planFile).Unfinished(cacheRoot);
            var device = options.Get("device") is { } d ? new Device(d) : cuda.is_available() ? CUDA : CPU;
            var runs = plan.Runs.Select(r => r.Run).OfType<RunConfig>().ToList();
            var textRuns = plan.Runs.Select(r => r.Text).OfType<Parp.Text.TextRunConfig>().ToList();
            Console.WriteLine($"{runs.Count + textRuns.Count} run(s) to train on {device.type} ({RunParallelism.For(device.type)})");
            var lines = new ThrottledProgress<string>(Console.WriteLine, TimeSpan.FromSeconds(30));
            var inFlight = new SortedDictionary<int, string>();
            var results = ExperimentRunner.Run(runs, device, cacheRoot, progress: new SynchronousProgress<ExperimentProgress>(p =>
            {
                if (p.Finished) inFlight.Remove(p.RunIndex);
                else inFlight[p.RunIndex] = p.ToString();
                if (inFlight.Count > 0) lines.Report(string.Join("\n", inFlight.Values));
            }));
            lines.Flush();
            if (runs.Count > 0 || textRuns.Count == 0) Console.WriteLine(ExperimentRunner.Summary(runs, results));
            if (textRuns.Count > 0)
            {
                // E16's runs, one after the other, after the speech runs (none of them needs one of those).
                var text = Parp.Text.CrossTaskRuns.Run(textRuns, device, cacheRoot, new SynchronousProgress<string>(Console.WriteLine));
                Console.WriteLine($"{text.Count} text runs: {text.Count(r => !r.FromCache)} trained here, {text.Count(r => r.FromCache)} read back from the cache");
            }
            return 0;
        }
        case "status":
        {
            var status = SweepWork.Status(RunPlan.Load(planFile), cacheRoot);
            foreach (var s in status)
            {
                var log = Path.Combine(logs, s.Run.Key + ".log");
                string detail = s.State == RunState.Failed && File.Exists(log) ? $"{s.Detail}\n    log {log}, last lines:\n{Indent(SweepWork.LastLines(log, 5))}" : s.Detail;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{s.Run.Key}  {s.State.ToString().ToLowerInvariant(),-8}  {s.Run.Label} {s.Run.Language} s={s.Run.Sparsity:0.##}  {detail}"));
            }
            Console.WriteLine(string.Join(", ", Enum.GetValues<RunState>().Select(state => $"{status.Count(s => s.State == state)} {state.ToString().ToLowerInvariant()}")));
            return status.Any(s => s.State == RunState.Failed) ? 1 : 0;
        }
        case "submit": return Submit(options, planFile, cache, logs);
        case "help" or "--help" or "-h":
            Console.WriteLine("usage: parp-sweep plan|run KEY|local|status|submit [options] (see tools/Sweep/README.md)");
            return 0;
        default:
            Console.Error.WriteLine($"error: unknown command '{command}' (plan, run, local, status, submit)");
            return 2;
    }
}
catch (Exception e) when (e is ArgumentException or FormatException or FileNotFoundException or KeyNotFoundException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}

static string Indent(string text) => string.Join("\n", text.Split('\n').Select(l => "      " + l));

// The notebooks' dry runs through the host, with the runner recording every run they would train.
static int Plan(SweepOptions options, IReadOnlyList<string> notebooks, string planFile, string cache, string cacheRoot)
{
    var root = Repository.Root();
    var chosen = notebooks.Count > 0 ? notebooks.Select(Path.GetFullPath).ToList()
        : Directory.GetFiles(Path.Combine(root, "notebooks"), "*.ipynb").Order(StringComparer.Ordinal)
            .Where(f => File.ReadAllText(f).Contains("var dryRun", StringComparison.Ordinal)).ToList();
    var work = Directory.CreateTempSubdirectory("parp-sweep-plan-");
    try
    {
        var recording = Path.Combine(work.FullName, "runs.jsonl");
        // The notebook host: built and started by dotnet run, or the executable --host names.
        var host = new ProcessStartInfo(options.Get("host") ?? "dotnet") { WorkingDirectory = root };
        var start = options.Get("host") is null ? new[] { "run", "--project", Path.Combine(root, "PARP.Notebooks.csproj"), "-c", "Release", "--" } : [];
        foreach (var a in start.Concat(["--no-report", "--artifacts", work.FullName, "--cache", cache, "--scale", options.Get("scale") ?? "tiny", "-p", "dryRun=true"]))
            host.ArgumentList.Add(a);
        foreach (var p in options.Parameters) { host.ArgumentList.Add("-p"); host.ArgumentList.Add(p); }
        foreach (var n in chosen) host.ArgumentList.Add(n);
        host.Environment[RunConfigJson.RecordVariable] = recording;
        Console.WriteLine($"dry runs of {chosen.Count} notebook(s) through the notebook host ...");
        using (var process = Process.Start(host)!)
        {
            process.WaitForExit();
            if (process.ExitCode != 0) { Console.Error.WriteLine($"error: the notebook host failed (exit {process.ExitCode}); nothing planned"); return process.ExitCode; }
        }
        var plan = RunPlan.Of(File.Exists(recording) ? RunConfigJson.ReadRecording(recording) : [], cacheRoot,
            File.Exists(recording) ? Parp.Text.CrossTaskRuns.ReadRecording(recording) : []);
        Directory.CreateDirectory(Path.GetDirectoryName(planFile)!);
        plan.Save(planFile);
        var status = SweepWork.Status(plan, cacheRoot);
        int finished = status.Count(s => s.State == RunState.Finished);
        Console.WriteLine($"{planFile}: {plan.Runs.Count} runs, {finished} finished already, {plan.Runs.Count(r => r.Needs.Count > 0)} wait for others");
        foreach (var s in status)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {s.Run.Key}  {s.Run.Label} {s.Run.Language} s={s.Run.Sparsity:0.##}{(s.State == RunState.Finished ? "  (finished)" : "")}{(s.Run.Needs.Count > 0 ? $"  after {string.Join(", ", s.Run.Needs)}" : "")}"));
        return 0;
    }
    finally { work.Delete(recursive: true); }
}

// One sbatch per level, each depending on the tasks its runs need; --dry-run prints the scripts instead.
static int Submit(SweepOptions options, string planFile, string cache, string logs)
{
    var whole = RunPlan.Load(planFile);
    var plan = whole.Unfinished(ExperimentRunner.DefaultCache);   // a resubmission leaves finished runs alone
    if (plan.Runs.Count == 0) { Console.WriteLine($"all {whole.Runs.Count} runs of {planFile} have finished; nothing to submit"); return 0; }
    var slurm = new SlurmOptions(options.Get("partition"), options.Get("gres"), options.Int("cpus") ?? 2, options.Get("mem") ?? "16G",
        options.Get("time") ?? "12:00:00", !options.Flag("no-requeue"), options.Get("account"));
    var arrays = SlurmScripts.For(plan, planFile, cache, Worker(), logs, slurm);
    bool dry = options.Flag("dry-run");
    var scripts = Path.Combine(Path.GetDirectoryName(planFile)!, "slurm");
    var ids = new List<string>();
    foreach (var array in arrays)
    {
        var file = Path.Combine(scripts, $"level-{array.Level}.sh");
        var dependency = array.Dependency(dry ? arrays.Select(a => $"${{JOB{a.Level}}}").ToList() : ids);
        if (dry)
        {
            Console.WriteLine($"# {file}: sbatch --parsable{(dependency is null ? "" : $" --dependency={dependency} --kill-on-invalid-dep=yes")} {file}");
            Console.WriteLine(array.Script);
            ids.Add($"${{JOB{array.Level}}}");
            continue;
        }
        Directory.CreateDirectory(scripts);
        Directory.CreateDirectory(logs);
        AtomicFile.WriteAllText(file, array.Script);
        var sbatch = new ProcessStartInfo("sbatch") { RedirectStandardOutput = true, RedirectStandardError = true };
        sbatch.ArgumentList.Add("--parsable");
        if (dependency is not null) { sbatch.ArgumentList.Add($"--dependency={dependency}"); sbatch.ArgumentList.Add("--kill-on-invalid-dep=yes"); }
        sbatch.ArgumentList.Add(file);
        using var process = Process.Start(sbatch) ?? throw new InvalidOperationException("sbatch did not start");
        string output = process.StandardOutput.ReadToEnd(), error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            Console.Error.WriteLine($"error: sbatch {file} failed (exit {process.ExitCode}): {error.Trim()}");
            return 1;
        }
        ids.Add(output.Trim().Split(';')[0]);
        Console.WriteLine($"level {array.Level}: job {ids[^1]}, {array.Keys.Count} task(s){(dependency is null ? "" : $", after {dependency}")}");
    }
    if (!dry) Console.WriteLine($"submitted {plan.Runs.Count} runs ({whole.Runs.Count - plan.Runs.Count} finished already) in {arrays.Count} job array(s); `parp-sweep status --plan {planFile}` follows them");
    return 0;
}

// How a Slurm task starts this tool: its apphost, or dotnet with its dll.
static string Worker()
{
    var self = Environment.ProcessPath!;
    return Path.GetFileNameWithoutExtension(self) == "dotnet"
        ? $"{SlurmScripts.Quote(self)} {SlurmScripts.Quote(typeof(SweepOptions).Assembly.Location)}"
        : SlurmScripts.Quote(self);
}

/// <summary>--name value options, repeatable -p NAME=VALUE, and the other words (keys, notebooks).</summary>
sealed class SweepOptions
{
    static readonly HashSet<string> Known = ["scale", "host", "out", "plan", "cache", "device", "skip-claimed", "partition", "gres", "cpus", "mem", "time", "account", "no-requeue", "dry-run"];
    static readonly HashSet<string> Flags = ["skip-claimed", "no-requeue", "dry-run"];
    readonly Dictionary<string, string?> values = [];
    public List<string> Parameters { get; } = [];

    public static (SweepOptions, List<string> Words) Parse(string[] args)
    {
        var o = new SweepOptions();
        var words = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] is "-p" or "--param")
            {
                if (i + 1 >= args.Length || !args[i + 1].Contains('=')) throw new ArgumentException($"{args[i]} needs NAME=VALUE");
                o.Parameters.Add(args[++i]);
            }
            else if (args[i].StartsWith("--", StringComparison.Ordinal))
            {
                var name = args[i][2..];
                if (!Known.Contains(name)) throw new ArgumentException($"unknown option --{name}; known: {string.Join(" ", Known.Select(k => "--" + k))}");
                if (Flags.Contains(name)) o.values[name] = null;
                else if (i + 1 < args.Length) o.values[name] = args[++i];
                else throw new ArgumentException($"--{name} needs a value");
            }
            else words.Add(args[i]);
        }
        return (o, words);
    }

    public string? Get(string name) => values.TryGetValue(name, out var v) ? v : null;
    public bool Flag(string name) => values.ContainsKey(name);
    public int? Int(string name) => Get(name) is { } v
        ? int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new ArgumentException($"--{name} {v}: expected a positive whole number")
        : null;
}
