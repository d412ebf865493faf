using System.Diagnostics;
using Parp.Models.Checkpoints;
using Parp.Models;
using Parp.Runtime;
using Parp.Text;
using TorchSharp;
using static TorchSharp.torch;

// ModelBench: bench | golden | resave | text-golden | text-resave | train-step. Options: --name value. See docs/PERFORMANCE.md.
var (verb, opts) = (args.FirstOrDefault() ?? "help", ParseOptions(args.Skip(1).ToArray()));
string Opt(string name, string fallback) => opts.TryGetValue(name, out var v) ? v : fallback;
var device = torch.device(Opt("device", TorchInfo.DefaultDevice().ToString()));
Console.WriteLine($"TorchSharp {TorchInfo.Current().TorchSharpVersion}, LibTorch {torch.__version__}, device {device}, threads {get_num_threads()}");

return verb switch
{
    "bench" => Bench(),
    "golden" => Golden(),
    "train-step" => TrainStep(),
    "resave" => Resave(),
    "text-golden" => TextGolden(),
    "text-resave" => TextResave(),
    _ => Help(),
};

int Help()
{
    Console.WriteLine("""
        ModelBench bench      [--device cpu|cuda] [--sizes smoke,tiny,base] [--dtypes float32,bfloat16] [--batch 4] [--seconds 4] [--iters 5]
                   forward and forward+backward time per second of audio
        ModelBench golden     [--device cuda] [--fixtures tests/fixtures/hf-wav2vec2] [--tol 1e-3]
                   the golden fixtures on a device; exit 1 when a tensor is outside the tolerance
        ModelBench resave     --from FOLDER --to FOLDER
                   load a HF folder and save it again with this project's writer (for checking it in transformers)
        ModelBench text-golden [--device cuda] --fixtures DIR [--tol 1e-4]
                   BERT and XLNet fixtures (made by tests/fixtures/hf-bert|hf-xlnet/make_hf_fixtures.py) on a device
        ModelBench text-resave --from FOLDER --to FOLDER
                   load a HF BERT or XLNet classifier folder and save it again with this project's writer
        ModelBench train-step [--device cuda] [--size base] [--batch 8] [--seconds 15] [--dtype float32|bfloat16] [--iters 10]
                              [--optimizer project|project-per-tensor|torchsharp] [--narrow true]
                   CTC training step (feature encoder frozen, SpecAugment on, Adam), as the Hugging Face reference in docs/PERFORMANCE.md;
                   --narrow keeps every op at widths of a few channels: the host's cost of issuing one step
        """);
    return 2;
}

int Bench()
{
    int batch = int.Parse(Opt("batch", "4")), iters = int.Parse(Opt("iters", "5"));
    double seconds = double.Parse(Opt("seconds", "4"));
    foreach (var size in Opt("sizes", "smoke,tiny,base").Split(','))
        foreach (var dtypeName in Opt("dtypes", "float32,bfloat16").Split(','))
        {
            var dtype = ParseDType(dtypeName);
            using var model = new Wav2Vec2ForCtc(Wav2Vec2Presets.ByName(size) with { Architectures = ["Wav2Vec2ForCTC"] });
            model.to(device).to(dtype);
            var x = randn(batch, (long)(seconds * 16000), dtype: dtype, device: device);
            double audio = batch * seconds;
            model.eval();
            double fwd = Time(iters, () => { using var _ = no_grad(); using var s = NewDisposeScope(); model.forward(x); });
            model.train();
            double fb = Time(iters, () => { using var s = NewDisposeScope(); model.forward(x).Logits.to_type(ScalarType.Float32).Power(2).mean().backward(); model.zero_grad(); });
            Console.WriteLine($"{size,-6} {dtypeName,-9} batch {batch} x {seconds} s: forward {fwd * 1000,8:F1} ms ({fwd / audio * 1000,7:F2} ms per s of audio), " +
                              $"forward+backward {fb * 1000,8:F1} ms ({fb / audio * 1000,7:F2} ms per s)");
        }
    return 0;
}

// A fixtures folder that is not there is a usage error, named, not a stack trace.
static bool MissingFolder(string folder)
{
    if (Directory.Exists(folder)) return false;
    Console.Error.WriteLine($"error: --fixtures {folder}: no such folder");
    return true;
}

int Golden()
{
    double tol = double.Parse(Opt("tol", "1e-3"));
    var root = Opt("fixtures", Path.Combine("tests", "fixtures", "hf-wav2vec2"));
    if (MissingFolder(root)) return 2;
    int failures = 0, ran = 0;
    foreach (var folder in Directory.GetDirectories(root).Order())
    {
        using var scope = NewDisposeScope();
        var name = Path.GetFileName(folder);
        var e = SafetensorsFile.Read(Path.Combine(folder, "expected.safetensors"));
        Tensor D(string key) => e[key].to(device);
        var diffs = new Dictionary<string, double>();
        bool pre = HfCheckpoint.ReadConfig(folder).IsPreTraining;
        using (no_grad())
        {
            if (pre)
            {
                var m = HfCheckpoint.LoadPreTraining(folder, device: device);
                m.eval();
                var o = m.forward(D("input_values"), maskTimeIndices: D("mask_time_indices"), sampledNegativeIndices: D("sampled_negative_indices"));
                diffs["projected_states"] = MaxDiff(o.ProjectedStates, D("projected_states"));
                diffs["projected_quantized_states"] = MaxDiff(o.ProjectedQuantizedStates, D("projected_quantized_states"));
                foreach (var (k, t) in new[] { ("loss", o.Loss!), ("contrastive_loss", o.ContrastiveLoss!), ("diversity_loss", o.DiversityLoss!), ("codevector_perplexity", o.CodevectorPerplexity) })
                    diffs[k + " (relative)"] = Math.Abs(t.item<float>() - e[k].item<float>()) / Math.Abs(e[k].item<float>());
            }
            else
            {
                var m = HfCheckpoint.LoadCtc(folder, device: device);
                m.eval();
                var o = m.forward(D("input_values"), D("attention_mask"), outputHiddenStates: true);
                diffs["logits"] = MaxDiff(o.Logits, D("logits"));
                diffs["last_hidden_state"] = MaxDiff(o.Body.LastHiddenState, D("last_hidden_state"));
                diffs["extract_features"] = MaxDiff(o.Body.ExtractFeatures, D("extract_features"));
                for (int i = 0; i < o.Body.HiddenStates!.Count; i++) diffs[$"hidden_states[{i}]"] = MaxDiff(o.Body.HiddenStates[i], D("hidden_states")[i]);
                diffs["logits_single"] = MaxDiff(m.forward(D("input_values_single")).Logits, D("logits_single"));
            }
        }
        ran++;
        failures += Report(name, diffs, tol);
    }
    Console.WriteLine($"golden on {device}: {ran} folders, {failures} tensors outside {tol}");
    return failures == 0 && ran > 0 ? 0 : 1;
}

int Resave()
{
    var from = Opt("from", "");
    using var model = HfCheckpoint.ReadConfig(from).IsPreTraining
        ? (nn.Module)HfCheckpoint.LoadPreTraining(from)
        : HfCheckpoint.LoadCtc(from);
    HfCheckpoint.Save(model, Opt("to", ""));
    Console.WriteLine($"saved {from} to {Opt("to", "")}");
    return 0;
}

int TextGolden()
{
    double tol = double.Parse(Opt("tol", "1e-4"));
    var root = Opt("fixtures", Path.Combine("tests", "fixtures", "hf-xlnet"));
    if (MissingFolder(root)) return 2;
    int failures = 0, ran = 0;
    foreach (var folder in Directory.GetDirectories(root).Order().Where(f => File.Exists(Path.Combine(f, "expected.safetensors"))))
    {
        using var scope = NewDisposeScope();
        var name = Path.GetFileName(folder);
        var e = SafetensorsFile.Read(Path.Combine(folder, "expected.safetensors"));
        Tensor D(string key) => e[key].to(device);
        var diffs = new Dictionary<string, double>();
        using var model = TextModels.LoadClassifier(folder, device: device);
        model.eval();
        using (no_grad())
        {
            var (ids, mask, types) = (D("input_ids"), D("attention_mask"), D("token_type_ids"));
            var logits = model.forward(ids, mask, types);
            diffs["logits"] = MaxDiff(logits, D("logits"));
            diffs["loss"] = MaxDiff(model.Loss(logits, D("labels")), D("loss").squeeze());
            if (model is XLNetForSequenceClassification x)
            {
                using var o = x.Transformer.forward(ids, mask, types, outputHiddenStates: true);
                for (int i = 0; i < o.HiddenStates!.Count; i++) diffs[$"hidden_states[{i}]"] = MaxDiff(o.HiddenStates[i], D("hidden_states")[i]);
            }
            else if (model is BertForSequenceClassification b)
            {
                using var o = b.Bert.forward(ids, mask, types);
                diffs["last_hidden_state"] = MaxDiff(o.LastHiddenState, D("hidden_states")[-1]);
                diffs["pooler_output"] = MaxDiff(o.PooledOutput!, D("pooler_output"));
            }
        }
        ran++;
        failures += Report(name, diffs, tol);
    }
    Console.WriteLine($"text golden on {device}: {ran} folders, {failures} tensors outside {tol}");
    return failures == 0 && ran > 0 ? 0 : 1;
}

int TextResave()
{
    var (from, to) = (Opt("from", ""), Opt("to", ""));
    using (var model = TextModels.LoadClassifier(from))
    {
        if (model is XLNetForSequenceClassification) XLNetCheckpoint.Save(model, to);
        else BertCheckpoint.Save(model, to);
    }
    Console.WriteLine($"saved {from} to {to}");
    return 0;
}

int TrainStep()
{
    int batch = int.Parse(Opt("batch", "8")), iters = int.Parse(Opt("iters", "10"));
    double seconds = double.Parse(Opt("seconds", "15"));
    var dtype = ParseDType(Opt("dtype", "float32"));
    string size = Opt("size", "base"), optimizerName = Opt("optimizer", "project");
    bool narrow = Opt("narrow", "false") == "true";
    // transformers' default Wav2Vec2Config dropouts, as hf_train_step.py builds it, and no layerdrop on either side:
    // every step computes all layers, so the two frameworks do the same work. (The first comparison used this preset's
    // layerdrop 0.05 against transformers' default 0.1: about 5 % more layers computed here.)
    var config = Wav2Vec2Presets.ByName(size) with
    {
        Architectures = ["Wav2Vec2ForCTC"], MaskTimeProb = 0.05, Layerdrop = 0,
        HiddenDropout = 0.1, ActivationDropout = 0.1, AttentionDropout = 0.1, FeatProjDropout = 0.0, FinalDropout = 0.1,
    };
    // --narrow: the same modules, layers and ops as the preset at widths of a few channels, so that the arithmetic is
    // negligible and the time is what issuing the ops costs on the host (TorchSharp + LibTorch dispatch). On a GPU a
    // step cannot take less than this unless the host runs ahead of the device.
    if (narrow) config = Wav2Vec2Presets.Narrow(config);
    using var model = new Wav2Vec2ForCtc(config);
    model.FreezeFeatureEncoder();
    model.to(device).to(dtype);
    model.train();
    var trainable = model.named_parameters().Where(p => p.parameter.requires_grad).ToList();
    // "project" is the trainer's Adam (lib/Training/Adam.cs), "project-per-tensor" the same updating one parameter at a
    // time, "torchsharp" TorchSharp's optim.Adam.
    var projectAdam = optimizerName is "project" or "project-per-tensor" ? new Parp.Training.Adam(trainable, flat: optimizerName == "project") : null;
    var torchAdam = optimizerName == "torchsharp" ? optim.Adam(trainable.Select(p => p.parameter)) : null;
    if (projectAdam is null && torchAdam is null) throw new ArgumentException($"--optimizer '{optimizerName}' is not project|project-per-tensor|torchsharp");
    void ZeroGrad() { if (torchAdam is not null) torchAdam.zero_grad(); else model.zero_grad(); }
    // TorchSharp's Adam makes temporary Scalars inside (ScalarMath): measured for comparison only, never used to train.
    void OptimizerStep() { if (torchAdam is not null) torchAdam.step(); else projectAdam!.Step(1e-4); }   // unsafe Scalar allowed: benchmark of TorchSharp's own Adam
    var x = randn(batch, (long)(seconds * 16000), dtype: dtype, device: device);
    var labels = randint(1, config.VocabSize, [batch, 150], dtype: ScalarType.Int64, device: device);
    double step = Time(iters, () =>
    {
        using var s = NewDisposeScope();
        ZeroGrad();
        model.forward(x, labels: labels).Loss!.backward();
        OptimizerStep();
    });
    // The same step in parts, each one synchronised: where the time goes.
    Tensor? loss = null;
    double forward = Time(iters, () => { using var s = NewDisposeScope(); ZeroGrad(); loss?.Dispose(); loss = model.forward(x, labels: labels).Loss!.DetachFromDisposeScope(); }, warmups: 1);
    double backward = Time(iters, () => { using var s = NewDisposeScope(); ZeroGrad(); model.forward(x, labels: labels).Loss!.backward(); }, warmups: 1) - forward;
    double optimizer = Time(iters, OptimizerStep, warmups: 1);
    var label = narrow ? $"{size} (narrow: host cost only)" : size;
    Console.WriteLine($"train-step {label} {dtype} batch {batch} x {seconds} s on {device}, {optimizerName} Adam over {trainable.Count} tensors: " +
                      $"{step * 1000:F1} ms per step; parts, each synchronised: forward+loss {forward * 1000:F1}, backward {backward * 1000:F1}, " +
                      $"optimizer {optimizer * 1000:F1} ms (feature encoder frozen, SpecAugment on; dtype = whole model, TorchSharp has no autocast)");
    return 0;
}

// The median of `iters` timed steps after 3 warm-ups (allocator, kernels, caches); each step is synchronised.
double Time(int iters, Action step, int warmups = 3)
{
    for (int i = 0; i < warmups; i++) step();
    Sync();
    var times = new List<double>();
    for (int i = 0; i < iters; i++)
    {
        var sw = Stopwatch.StartNew();
        step();
        Sync();
        times.Add(sw.Elapsed.TotalSeconds);
    }
    times.Sort();
    return times[times.Count / 2];
}

void Sync()
{
    if (device.type == DeviceType.CUDA) torch.cuda.synchronize();
}

// Prints each tensor's largest difference against the tolerance; returns how many are outside it.
static int Report(string name, Dictionary<string, double> diffs, double tol)
{
    foreach (var (k, d) in diffs) Console.WriteLine($"{name} {k}: {d:E2} {(d < tol ? "ok" : "FAIL")}");
    return diffs.Values.Count(d => d >= tol);
}

static double MaxDiff(Tensor a, Tensor b) => (a.to_type(ScalarType.Float64) - b.to_type(ScalarType.Float64)).abs().max().item<double>();

static ScalarType ParseDType(string name) => name switch
{
    "float32" or "fp32" => ScalarType.Float32,
    "bfloat16" or "bf16" => ScalarType.BFloat16,
    _ => throw new ArgumentException($"dtype '{name}' is not float32|bfloat16"),
};

static Dictionary<string, string> ParseOptions(string[] a)
{
    var d = new Dictionary<string, string>();
    for (int i = 0; i + 1 < a.Length; i += 2)
    {
        if (!a[i].StartsWith("--")) throw new ArgumentException($"expected --option, got '{a[i]}'");
        d[a[i][2..]] = a[i + 1];
    }
    return d;
}
