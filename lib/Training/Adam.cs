using Parp.Runtime;
using TorchSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace Parp.Training;

/// <summary>
/// Adam with decoupled weight decay (fairseq's <c>adam</c>, PyTorch's Adam/AdamW), with its state as explicit named
/// tensors. Written here rather than taken from TorchSharp because a run must save and restore the moments exactly,
/// and PARP re-prunes in place without ever resetting them (docs/paper.md §12.3): the state is keyed by the parameter's
/// HF name and updated in place, so it survives anything that changes a parameter's values but not its object.
/// A parameter whose gradient is undefined in an update (the frozen body, the frozen CNN) is skipped, step count included,
/// as PyTorch and fairseq skip it.
/// <para>
/// The moments of all parameters live in two flat buffers (each parameter's are views into them). When the parameters
/// that have a gradient form one run of that buffer with one step count (always, in this project's phases: the head
/// alone, then everything the optimizer holds), an update is about eight operations over the run plus one add per
/// parameter, where one parameter at a time it is about eight per parameter: on a GPU each operation is a kernel
/// launch, and BASE has about 200 parameters. In float32 the result is bit-identical either way (tested); in bfloat16
/// the flat update rounds the step to bfloat16 before adding it, where addcdiv_ adds it unrounded.
/// </para>
/// </summary>
public sealed class Adam
{
    sealed class Slot(string name, Parameter parameter, Tensor expAvg, Tensor expAvgSq, long offset)
    {
        public string Name { get; } = name;
        public Parameter Parameter { get; } = parameter;
        public Tensor ExpAvg { get; } = expAvg;
        public Tensor ExpAvgSq { get; } = expAvgSq;
        /// <summary>Where this parameter's moments start in the flat buffers (−1 without them).</summary>
        public long Offset { get; } = offset;
        public long Step { get; set; }
    }

    readonly List<Slot> _slots;
    readonly Tensor? _flatExpAvg, _flatExpAvgSq;     // null when the parameters differ in device or dtype

    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Eps { get; }
    /// <summary>Decoupled (AdamW) weight decay; 0 for fine-tuning (docs/paper.md §5.1), 0.01 for pre-training (§8).</summary>
    public double WeightDecay { get; }
    /// <summary>Whether updates may run over the flat buffers (true by default; false forces one parameter at a time,
    /// for comparing the two).</summary>
    public bool Flat => _flatExpAvg is not null;

    /// <param name="parameters">Named parameters (HF keys): every parameter that may ever train, frozen phases included.</param>
    /// <param name="beta1">First-moment decay.</param>
    /// <param name="beta2">Second-moment decay.</param>
    /// <param name="eps">Added to the denominator.</param>
    /// <param name="weightDecay">Decoupled weight decay.</param>
    /// <param name="flat">Update runs of parameters over the flat buffers (see the class remarks).</param>
    public Adam(IEnumerable<(string name, Parameter parameter)> parameters, double beta1 = 0.9, double beta2 = 0.98,
        double eps = 1e-8, double weightDecay = 0, bool flat = true)
    {
        Beta1 = beta1; Beta2 = beta2; Eps = eps; WeightDecay = weightDecay;
        var list = parameters.ToList();
        var duplicate = list.GroupBy(p => p.name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"parameter '{duplicate.Key}' is given twice");
        bool oneBuffer = flat && list.Count > 0 && list.All(p => p.parameter.device_type == list[0].parameter.device_type && p.parameter.device_index == list[0].parameter.device_index && p.parameter.dtype == list[0].parameter.dtype);
        _slots = [];
        if (oneBuffer)
        {
            long total = list.Sum(p => p.parameter.NumberOfElements);
            _flatExpAvg = zeros(total, list[0].parameter.dtype, list[0].parameter.device).DetachFromDisposeScope();
            _flatExpAvgSq = zeros(total, list[0].parameter.dtype, list[0].parameter.device).DetachFromDisposeScope();
            long offset = 0;
            foreach (var (name, p) in list)
            {
                long n = p.NumberOfElements;
                _slots.Add(new Slot(name, p, _flatExpAvg.narrow(0, offset, n).view(p.shape).DetachFromDisposeScope(),
                                    _flatExpAvgSq.narrow(0, offset, n).view(p.shape).DetachFromDisposeScope(), offset));
                offset += n;
            }
        }
        else
            foreach (var (name, p) in list)
                _slots.Add(new Slot(name, p, zeros_like(p).DetachFromDisposeScope(), zeros_like(p).DetachFromDisposeScope(), -1));
    }

    public IEnumerable<Parameter> Parameters => _slots.Select(s => s.Parameter);

    /// <summary>One update at learning rate <paramref name="lr"/>; gradients must already be scaled and clipped.</summary>
    public void Step(double lr)
    {
        using var _ = no_grad();
        // Scalars are created and disposed explicitly: TorchSharp 0.107 leaves the Scalars of implicit conversions
        // (tensor.mul_(0.9)) to the finalizer, which may free one while a native call still reads it
        // (dotnet/TorchSharp#1434), and a run makes several per parameter per update.
        using var beta1 = Beta1.ToScalar();
        using var beta2 = Beta2.ToScalar();
        using var oneMinusBeta1 = (1 - Beta1).ToScalar();
        using var oneMinusBeta2 = (1 - Beta2).ToScalar();
        using var eps = Eps.ToScalar();
        using var decay = (1 - lr * WeightDecay).ToScalar();
        using var scope = NewDisposeScope();
        var active = new List<(Slot Slot, Tensor Grad)>();
        foreach (var s in _slots)
            if (s.Parameter.grad is { } g) active.Add((s, g));
        if (active.Count == 0) return;
        if (Flat && IsOneRun(active))
        {
            long first = active[0].Slot.Offset, length = active.Sum(a => a.Slot.Parameter.NumberOfElements);
            long step = active[0].Slot.Step + 1;
            using var sqrtBias2 = SqrtBias2(step);
            using var stepSize = StepSize(lr, step);
            var grad = cat(active.Select(a => a.Grad.flatten()).ToList());
            var m = _flatExpAvg!.narrow(0, first, length);
            var v = _flatExpAvgSq!.narrow(0, first, length);
            m.mul_(beta1).add_(grad, alpha: oneMinusBeta1);
            v.mul_(beta2).addcmul_(grad, grad, value: oneMinusBeta2);
            // stepSize · m / denom, in the order addcdiv_ evaluates it (one parameter at a time, below).
            var update = m.mul(stepSize).div_(v.sqrt().div_(sqrtBias2).add_(eps, ScalarMath.One));
            long offset = 0;
            foreach (var (s, _) in active)
            {
                long n = s.Parameter.NumberOfElements;
                if (WeightDecay > 0) s.Parameter.mul_(decay);
                s.Parameter.PlusInPlace(update.narrow(0, offset, n).view(s.Parameter.shape));
                offset += n;
                s.Step = step;
            }
            return;
        }
        foreach (var (s, g) in active)
        {
            s.Step++;
            s.ExpAvg.mul_(beta1).add_(g, alpha: oneMinusBeta1);
            s.ExpAvgSq.mul_(beta2).addcmul_(g, g, value: oneMinusBeta2);
            using var sqrtBias2 = SqrtBias2(s.Step);
            using var stepSize = StepSize(lr, s.Step);
            var denom = s.ExpAvgSq.sqrt().div_(sqrtBias2).add_(eps, ScalarMath.One);
            if (WeightDecay > 0) s.Parameter.mul_(decay);
            s.Parameter.addcdiv_(s.ExpAvg, denom, value: stepSize);
        }
    }

    /// <summary>√(1 − β2^t), the second moment's bias correction at step t.</summary>
    Scalar SqrtBias2(long step) => Math.Sqrt(1 - Math.Pow(Beta2, step)).ToScalar();

    /// <summary>−lr / (1 − β1^t), the step size with the first moment's bias correction at step t.</summary>
    Scalar StepSize(double lr, long step) => (-lr / (1 - Math.Pow(Beta1, step))).ToScalar();

    /// <summary>Consecutive slots, adjacent in the flat buffers, with one step count.</summary>
    static bool IsOneRun(List<(Slot Slot, Tensor Grad)> active)
    {
        for (int i = 1; i < active.Count; i++)
        {
            var (previous, current) = (active[i - 1].Slot, active[i].Slot);
            if (current.Step != previous.Step || current.Offset != previous.Offset + previous.Parameter.NumberOfElements) return false;
        }
        return true;
    }

    /// <summary>Moments and step counts as named tensors (NAME.exp_avg, NAME.exp_avg_sq, NAME.step), copies on the CPU.</summary>
    public Dictionary<string, Tensor> StateDict()
    {
        var state = new Dictionary<string, Tensor>();
        foreach (var s in _slots)
        {
            state[$"{s.Name}.exp_avg"] = s.ExpAvg.detach().cpu().clone();
            state[$"{s.Name}.exp_avg_sq"] = s.ExpAvgSq.detach().cpu().clone();
            state[$"{s.Name}.step"] = tensor(s.Step);
        }
        return state;
    }

    /// <summary>Copies a saved state into this optimizer; every parameter must be present with the same shape.</summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state, string source = "optimizer state")
    {
        using var _ = no_grad();
        foreach (var s in _slots)
        {
            Tensor Get(string suffix) => state.TryGetValue($"{s.Name}.{suffix}", out var t) ? t
                : throw new TrainingException($"{source}: no '{s.Name}.{suffix}' (a checkpoint of another model or recipe?)");
            var m = Get("exp_avg"); var v = Get("exp_avg_sq");
            if (!m.shape.SequenceEqual(s.ExpAvg.shape) || !v.shape.SequenceEqual(s.ExpAvgSq.shape))
                throw new TrainingException($"{source}: '{s.Name}' has shape [{string.Join(", ", m.shape)}], the model [{string.Join(", ", s.ExpAvg.shape)}]");
            s.ExpAvg.copy_(m); s.ExpAvgSq.copy_(v);
            s.Step = Get("step").item<long>();
        }
        var known = _slots.SelectMany(s => new[] { $"{s.Name}.exp_avg", $"{s.Name}.exp_avg_sq", $"{s.Name}.step" }).ToHashSet();
        var extra = state.Keys.Where(k => !known.Contains(k)).Take(5).ToList();
        if (extra.Count > 0) throw new TrainingException($"{source}: entries for parameters this model lacks: {string.Join(", ", extra)}");
    }

    /// <summary>The moments of one parameter (for pruning code that inspects them).</summary>
    public (Tensor expAvg, Tensor expAvgSq, long step) StateOf(string name)
    {
        var s = _slots.FirstOrDefault(x => x.Name == name) ?? throw new KeyNotFoundException($"no optimizer state for '{name}'");
        return (s.ExpAvg, s.ExpAvgSq, s.Step);
    }
}
