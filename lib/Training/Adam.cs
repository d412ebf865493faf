using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Parp.Training;

/// <summary>
/// Adam with decoupled weight decay (fairseq's <c>adam</c>, PyTorch's Adam/AdamW), with its state as explicit named
/// tensors. Written here rather than taken from TorchSharp because a run must save and restore the moments exactly,
/// and PARP re-prunes in place without ever resetting them (PARP-SPEC §12.3): the state is keyed by the parameter's
/// HF name and updated in place, so it survives anything that changes a parameter's values but not its object.
/// A parameter whose gradient is undefined in an update (the frozen body, the frozen CNN) is skipped, step count included,
/// as PyTorch and fairseq skip it.
/// </summary>
public sealed class Adam
{
    sealed class Slot(string name, Parameter parameter)
    {
        public string Name { get; } = name;
        public Parameter Parameter { get; } = parameter;
        public Tensor ExpAvg { get; } = zeros_like(parameter).DetachFromDisposeScope();
        public Tensor ExpAvgSq { get; } = zeros_like(parameter).DetachFromDisposeScope();
        public long Step { get; set; }
    }

    readonly List<Slot> _slots;

    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Eps { get; }
    /// <summary>Decoupled (AdamW) weight decay; 0 for fine-tuning (PARP-SPEC §5.1), 0.01 for pre-training (§8).</summary>
    public double WeightDecay { get; }

    /// <param name="parameters">Named parameters (HF keys): every parameter that may ever train, frozen phases included.</param>
    /// <param name="beta1">First-moment decay.</param>
    /// <param name="beta2">Second-moment decay.</param>
    /// <param name="eps">Added to the denominator.</param>
    /// <param name="weightDecay">Decoupled weight decay.</param>
    public Adam(IEnumerable<(string name, Parameter parameter)> parameters, double beta1 = 0.9, double beta2 = 0.98,
        double eps = 1e-8, double weightDecay = 0)
    {
        Beta1 = beta1; Beta2 = beta2; Eps = eps; WeightDecay = weightDecay;
        _slots = parameters.Select(p => new Slot(p.name, p.parameter)).ToList();
        var duplicate = _slots.GroupBy(s => s.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"parameter '{duplicate.Key}' is given twice");
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
        foreach (var s in _slots)
        {
            using var g = s.Parameter.grad;
            if (g is null) continue;
            s.Step++;
            s.ExpAvg.mul_(beta1).add_(g, alpha: oneMinusBeta1);
            s.ExpAvgSq.mul_(beta2).addcmul_(g, g, value: oneMinusBeta2);
            double bias1 = 1 - Math.Pow(Beta1, s.Step), bias2 = 1 - Math.Pow(Beta2, s.Step);
            using var sqrtBias2 = Math.Sqrt(bias2).ToScalar();
            using var stepSize = (-lr / bias1).ToScalar();
            using var denom = s.ExpAvgSq.sqrt().div_(sqrtBias2).add_(eps);
            if (WeightDecay > 0) s.Parameter.mul_(decay);
            s.Parameter.addcdiv_(s.ExpAvg, denom, value: stepSize);
        }
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
