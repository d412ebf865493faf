using System.Diagnostics;
using Parp.Models;
using Parp.Pruning;
using Parp.Runtime;
using Parp.Training;
using TorchSharp;
using static TorchSharp.torch;

// PruneBench: reprune | overhead. Options: --name value. See docs/PERFORMANCE.md, "Pruning".
var verb = args.FirstOrDefault() ?? "help";
var opts = new Dictionary<string, string>();
for (int i = 1; i + 1 < args.Length; i += 2) opts[args[i].TrimStart('-')] = args[i + 1];
string Opt(string name, string fallback) => opts.TryGetValue(name, out var v) ? v : fallback;
var device = torch.device(Opt("device", TorchInfo.DefaultDevice().ToString()));
Console.WriteLine($"TorchSharp {TorchInfo.Current().TorchSharpVersion}, LibTorch {torch.__version__}, device {device}, threads {get_num_threads()}");

return verb switch
{
    "reprune" => Reprune(),
    "overhead" => Overhead(),
    "ops" => Ops(),
    "agree" => Agree(),
    _ => Help(),
};

int Help()
{
    Console.WriteLine("""
        PruneBench reprune  [--device cpu|cuda] [--sizes base,large] [--sparsity 0.5] [--iters 3] [--narrow true]
                   one global magnitude re-prune of the paper pool (mask + zeroing in place), median time;
                   --narrow: the same tensors a few values wide, so the time is the host's cost of issuing the work
        PruneBench agree    [--device cuda] [--size base]
                   the masks computed on the device equal the CPU's (continuous values, values with ties, IMP's
                   pruning of survivors); exit 1 on any difference
        PruneBench ops      [--device cpu] [--rows 3072] [--cols 768]
                   the elementwise operations of a re-prune, 36 times over one tensor
        PruneBench overhead [--device cuda] [--size base] [--batch 8] [--seconds 15] [--updates 60] [--interval 20] [--sparsity 0.5]
                   PARP's cost over a run: the same Adam CTC loop with and without re-prunes every n updates
        """);
    return 2;
}

Wav2Vec2ForCtc Model(string size, Device? on = null)
{
    manual_seed(1);
    var config = Wav2Vec2Presets.ByName(size) with { Architectures = ["Wav2Vec2ForCTC"], MaskTimeProb = 0, Layerdrop = 0 };
    // --narrow true: the same pool tensors (names, count, order) at widths of a few values, so that a re-prune's time is
    // what issuing its operations and reading its counts costs on the host, the floor of a re-prune on a GPU.
    if (Opt("narrow", "false") == "true") config = Wav2Vec2Presets.Narrow(config);
    var model = new Wav2Vec2ForCtc(config);
    model.to(on ?? device);
    // Fresh biases are exact zeros; give every pool entry a value, as pre-trained weights have.
    using var _ = no_grad();
    foreach (var e in PrunablePool.Of(model).Entries) e.Parameter.normal_(0, 0.05);
    return model;
}

double Sync(Func<double> measure) { if (device.type == DeviceType.CUDA) cuda.synchronize(); return measure(); }

int Reprune()
{
    double s = double.Parse(Opt("sparsity", "0.5"));
    int iters = int.Parse(Opt("iters", "3"));
    foreach (var size in Opt("sizes", "base,large").Split(','))
    {
        using var model = Model(size);
        var pool = PrunablePool.Of(model);
        var dense = ModelState.Snapshot(model);
        // Every timed re-prune starts from the dense values, as in a PARP run (where training moves the zeroed weights
        // off zero between re-prunes), not from the zeros of the previous one.
        void RestoreDense() { ModelState.Restore(model, dense); Sync(() => 0); }
        var times = new List<double>();
        var cpuTimes = new List<double>();
        for (int i = 0; i <= iters; i++)        // the first run warms up and is not counted
        {
            using var _ = NewDisposeScope();
            RestoreDense();
            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            using var mask = GlobalMagnitudePruning.Prune(pool, s);
            Sync(() => 0);
            if (i > 0)
            {
                times.Add(clock.Elapsed.TotalMilliseconds);
                cpuTimes.Add((Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMilliseconds);
            }
        }
        Console.WriteLine($"{size,-6} process CPU time per re-prune (all threads) {Median(cpuTimes):F0} ms; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        long k = GlobalMagnitudePruning.PrunedCount(s, pool.Count);
        long zeros = pool.ZeroCount();
        var parts = new List<(double Compute, double Apply)>();
        for (int i = 0; i < iters; i++)
        {
            using var _ = NewDisposeScope();
            RestoreDense();
            var clock = Stopwatch.StartNew();
            using var mask = GlobalMagnitudePruning.ComputeMask(pool, s);
            double compute = Sync(() => clock.Elapsed.TotalMilliseconds);
            mask.ApplyTo(pool);
            parts.Add((compute, Sync(() => clock.Elapsed.TotalMilliseconds) - compute));
        }
        Console.WriteLine($"{size,-6} of which computing the mask {Median(parts.Select(p => p.Compute).ToList()):F1} ms, zeroing {Median(parts.Select(p => p.Apply).ToList()):F1} ms");
        // The whole step as ParpCallback takes it: mask, zeroing, churn and revived counts, measured sparsity.
        RestoreDense();
        using var parp = new ParpCallback(PruningMethods.Mpi(model, s), new ParpOptions(1));
        parp.OnTrainingStart(new TrainingState(model, 0, iters + 2));
        var callback = new List<double>();
        for (int i = 1; i <= iters; i++)
        {
            RestoreDense();
            var clock = Stopwatch.StartNew();
            parp.AfterOptimizerStep(new TrainingState(model, i, iters + 2));
            callback.Add(Sync(() => clock.Elapsed.TotalMilliseconds));
        }
        Console.WriteLine($"{size,-6} a re-prune as ParpCallback makes it (with its churn counts and measured sparsity) {Median(callback):F1} ms");
        ModelState.Dispose(dense);
        Console.WriteLine($"{size,-6} N = {pool.Count:N0} ({pool.Entries.Count} tensors), s = {s}: re-prune median {Median(times):F1} ms " +
                          $"(runs: {string.Join(", ", times.Select(t => t.ToString("F1")))}); zeros {zeros:N0} = round(s·N) {k:N0}: {zeros == k}");
        if (zeros != k) return 1;
    }
    return 0;
}

int Overhead()
{
    string size = Opt("size", "base");
    int batch = int.Parse(Opt("batch", "8")), updates = int.Parse(Opt("updates", "60")), interval = int.Parse(Opt("interval", "20"));
    double seconds = double.Parse(Opt("seconds", "15")), s = double.Parse(Opt("sparsity", "0.5"));
    using var model = Model(size);
    model.FreezeFeatureEncoder();
    var x = randn(batch, (long)(seconds * 16000), device: device);
    var labels = randint(1, model.Config.VocabSize, [batch, 20], device: device);
    var named = model.named_parameters().Where(p => p.parameter.requires_grad).ToList();
    var trainable = named.Select(p => p.parameter).ToList();
    var optimizer = new Adam(named, 0.9, 0.98, 1e-8);             // the trainer's Adam, as a PARP run uses it

    double RunLoop(int n, IReadOnlyList<ITrainingCallback> callbacks)
    {
        model.train();
        using (no_grad()) foreach (var c in callbacks) c.OnTrainingStart(new TrainingState(model, 0, n));
        var clock = Stopwatch.StartNew();
        for (int t = 1; t <= n; t++)
        {
            using var scope = NewDisposeScope();
            model.zero_grad();
            model.forward(x, labels: labels).Loss!.DividedBy(batch).backward();
            nn.utils.clip_grad_norm_(trainable, 25);
            optimizer.Step(5e-5);
            using (no_grad()) foreach (var c in callbacks) c.AfterOptimizerStep(new TrainingState(model, t, n));
        }
        using (no_grad()) foreach (var c in callbacks) c.OnTrainingEnd(new TrainingState(model, n, n));
        return Sync(() => clock.Elapsed.TotalMilliseconds);
    }

    RunLoop(3, []);                                                  // warm-up: kernels, allocator, Adam state
    double plain = RunLoop(updates, []);
    using var parp = new ParpCallback(PruningMethods.Mpi(model, s), new ParpOptions(interval));
    double withParp = RunLoop(updates, [parp]);
    double plainAgain = RunLoop(updates, []);                        // drift check: the plain loop once more
    double basePlain = Math.Min(plain, plainAgain);
    int reprunes = parp.History.Count;                               // initial prune + every n + the final one
    Console.WriteLine($"{size} batch {batch} x {seconds} s, {updates} updates, re-prune every {interval} ({reprunes} prunes incl. initial and final):");
    Console.WriteLine($"  plain loop {plain:F0} ms and {plainAgain:F0} ms ({basePlain / updates:F1} ms per update); with PARP {withParp:F0} ms " +
                      $"-> overhead {(withParp - basePlain) / basePlain * 100:F2} % over the run");
    return 0;
}

int Agree()
{
    // The device path (chunks on a GPU) against the CPU path (one tensor at a time) on the same values.
    using var model = Model(Opt("size", "base"));
    using var cpuModel = Model(Opt("size", "base"), CPU);
    var pool = PrunablePool.Of(model);
    var cpuPool = PrunablePool.Of(cpuModel);
    void SetValues(Func<Tensor, Tensor> f)
    {
        using var _ = no_grad();
        foreach (var (d, c) in pool.Entries.Zip(cpuPool.Entries)) { c.Parameter.copy_(f(d.Parameter.detach().cpu())); d.Parameter.copy_(c.Parameter); }
    }
    SetValues(v => v);
    int failures = 0;
    void Compare(string what, Func<PrunablePool, Mask> compute)
    {
        using var scope = NewDisposeScope();
        var clock = Stopwatch.StartNew();
        using var onDevice = compute(pool);
        double ms = Sync(() => clock.Elapsed.TotalMilliseconds);
        using var onCpu = compute(cpuPool);
        using var moved = onDevice.To(CPU);
        long differing = MaskAnalysis.Differing(moved, onCpu);
        failures += differing == 0 ? 0 : 1;
        Console.WriteLine($"{what}: {differing} entries differ between {device} ({ms:F0} ms) and cpu ({onCpu.PrunedCount():N0} pruned) {(differing == 0 ? "ok" : "FAIL")}");
    }
    foreach (var s in new[] { 0.5, 0.9 })
        Compare($"continuous values, s = {s}", p => GlobalMagnitudePruning.ComputeMask(p, s));
    SetValues(v => v.Times(100L).round().DividedBy(100));               // a coarse grid: tie masses at T, split between pruned and kept
    Compare("values on a grid of 0.01, s = 0.5", p => GlobalMagnitudePruning.ComputeMask(p, 0.5));
    Compare("20 % of the survivors of a 50 % mask (IMP)", p =>
    {
        using var half = GlobalMagnitudePruning.ComputeMask(p, 0.5);
        return GlobalMagnitudePruning.PruneFractionOfSurvivors(p, half, 0.2, new MaskInfo("imp", 0.6));
    });
    Console.WriteLine($"agree on {device}: {(failures == 0 ? "every mask identical to the CPU's" : $"{failures} comparison(s) differ")}");
    return failures == 0 ? 0 : 1;
}

int Ops()
{
    // Time of the elementwise operations a re-prune is made of, over 36 tensors of --rows × --cols (BASE's FFN: 3072 × 768).
    var v = randn(long.Parse(Opt("rows", "3072")), long.Parse(Opt("cols", "768")), device: device);
    void T(string name, Func<Tensor> op)
    {
        using (NewDisposeScope()) op();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < 36; i++) { using var _ = NewDisposeScope(); op(); }
        Console.WriteLine($"{name,-28} {Sync(() => clock.Elapsed.TotalMilliseconds),8:F1} ms");
    }
    using var half = 0.5f.ToScalar();
    using var aboveHalf = 0.51f.ToScalar();
    using var infinity = float.PositiveInfinity.ToScalar();
    var a = v.abs().flatten();
    var mask = a.lt(half);
    T("abs", () => v.abs());
    T("compare", () => a.lt(half));
    T("compare + sum", () => { var c = a.lt(half).sum(); c.item<long>(); return c; });
    T("isnan.any", () => v.isnan().any());
    T("masked_select small", () => a.masked_select(a.gt(half).logical_and(a.lt(aboveHalf))));
    T("nonzero + index_select", () => a.index_select(0, a.gt(half).logical_and(a.lt(aboveHalf)).flatten().nonzero().flatten()));
    T("where+sort trick", () => { var f = a.flatten(); return f.masked_fill(f.gt(half).logical_and(f.lt(aboveHalf)).logical_not(), infinity).sort().Values; });
    T("logical_and", () => mask.logical_and(mask));
    T("mul_ by bool", () => v.flatten().mul_(mask));
    T("cumsum bool", () => mask.flatten().cumsum(0, ScalarType.Int64));
    return 0;
}

static double Median(List<double> v) { var s = v.Order().ToList(); return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2; }
