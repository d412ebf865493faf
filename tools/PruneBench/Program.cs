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
    _ => Help(),
};

int Help()
{
    Console.WriteLine("""
        PruneBench reprune  [--device cpu|cuda] [--sizes base,large] [--sparsity 0.5] [--iters 3]
                   one global magnitude re-prune of the paper pool (mask + zeroing in place), median time
        PruneBench ops      [--device cpu] [--rows 3072] [--cols 768]
                   the elementwise operations of a re-prune, 36 times over one tensor
        PruneBench overhead [--device cuda] [--size base] [--batch 8] [--seconds 15] [--updates 60] [--interval 20] [--sparsity 0.5]
                   PARP's cost over a run: the same Adam CTC loop with and without re-prunes every n updates
        """);
    return 2;
}

Wav2Vec2ForCtc Model(string size)
{
    manual_seed(1);
    var model = new Wav2Vec2ForCtc(Wav2Vec2Presets.ByName(size) with { Architectures = ["Wav2Vec2ForCTC"], MaskTimeProb = 0, Layerdrop = 0 });
    model.to(device);
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
        var times = new List<double>();
        var cpuTimes = new List<double>();
        for (int i = 0; i <= iters; i++)        // the first run warms up and is not counted
        {
            using var _ = NewDisposeScope();
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
            var clock = Stopwatch.StartNew();
            using var mask = GlobalMagnitudePruning.ComputeMask(pool, s);
            double compute = Sync(() => clock.Elapsed.TotalMilliseconds);
            mask.ApplyTo(pool);
            parts.Add((compute, Sync(() => clock.Elapsed.TotalMilliseconds) - compute));
        }
        Console.WriteLine($"{size,-6} of which computing the mask {Median(parts.Select(p => p.Compute).ToList()):F1} ms, zeroing {Median(parts.Select(p => p.Apply).ToList()):F1} ms");
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
    var trainable = model.parameters().Where(p => p.requires_grad).ToList();
    var optimizer = optim.Adam(trainable, 5e-5, beta1: 0.9, beta2: 0.98, eps: 1e-8);

    double RunLoop(int n, IReadOnlyList<ITrainingCallback> callbacks)
    {
        model.train();
        using (no_grad()) foreach (var c in callbacks) c.OnTrainingStart(new TrainingState(model, 0, n));
        var clock = Stopwatch.StartNew();
        for (int t = 1; t <= n; t++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            (model.forward(x, labels: labels).Loss! / batch).backward();
            nn.utils.clip_grad_norm_(trainable, 25);
            optimizer.step();
            using (no_grad()) foreach (var c in callbacks) c.AfterOptimizerStep(new TrainingState(model, t, n));
        }
        using (no_grad()) foreach (var c in callbacks) c.OnTrainingEnd(new TrainingState(model, n, n));
        return Sync(() => clock.Elapsed.TotalMilliseconds);
    }

    RunLoop(3, []);                                                  // warm-up: kernels, allocator, Adam state
    double plain = RunLoop(updates, []);
    using var parp = new ParpCallback(new ParpOptions(s, interval));
    double withParp = RunLoop(updates, [parp]);
    double plainAgain = RunLoop(updates, []);                        // drift check: the plain loop once more
    double basePlain = Math.Min(plain, plainAgain);
    int reprunes = parp.History.Count;                               // initial prune + every n + the final one
    Console.WriteLine($"{size} batch {batch} x {seconds} s, {updates} updates, re-prune every {interval} ({reprunes} prunes incl. initial and final):");
    Console.WriteLine($"  plain loop {plain:F0} ms and {plainAgain:F0} ms ({basePlain / updates:F1} ms per update); with PARP {withParp:F0} ms " +
                      $"-> overhead {(withParp - basePlain) / basePlain * 100:F2} % over the run");
    return 0;
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
    var a = v.abs().flatten();
    var mask = a < 0.5f;
    T("abs", () => v.abs());
    T("compare", () => a < 0.5f);
    T("compare + sum", () => { var c = (a < 0.5f).sum(); c.item<long>(); return c; });
    T("isnan.any", () => v.isnan().any());
    T("masked_select small", () => a.masked_select((a > 0.5f).logical_and(a < 0.51f)));
    T("nonzero + index_select", () => a.index_select(0, (a > 0.5f).logical_and(a < 0.51f).flatten().nonzero().flatten()));
    T("where+sort trick", () => { var f = a.flatten(); return f.masked_fill((f > 0.5f).logical_and(f < 0.51f).logical_not(), float.PositiveInfinity).sort().Values; });
    T("logical_and", () => mask.logical_and(mask));
    T("mul_ by bool", () => v.flatten().mul_(mask));
    T("cumsum bool", () => mask.flatten().cumsum(0, ScalarType.Int64));
    return 0;
}

static double Median(List<double> v) { var s = v.Order().ToList(); return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2; }
