using Parp.Tests.Support;
using Parp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Parp.Tests.Training;

[Collection(nameof(GlobalTorchRandom))]
public class AdamTests
{
    static (nn.Module<Tensor, Tensor> model, Tensor x, Tensor y) Problem(int seed)
    {
        manual_seed(seed);
        var model = nn.Linear(6, 3);
        return (model, randn(16, 6), randn(16, 3));
    }

    static void Backward(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y)
    {
        model.zero_grad();
        (model.forward(x) - y).pow(2).sum().backward();
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.01)]
    public void Matches_torch_Adam_and_AdamW(double weightDecay)
    {
        var (ours, x, y) = Problem(1);
        var (theirs, _, _) = Problem(1);
        var adam = new Adam(ours.named_parameters().Select(p => (p.name, p.parameter)), 0.9, 0.98, 1e-8, weightDecay);
        optim.Optimizer reference = weightDecay > 0
            ? optim.AdamW(theirs.parameters(), lr: 1e-2, beta1: 0.9, beta2: 0.98, eps: 1e-8, weight_decay: weightDecay)
            : optim.Adam(theirs.parameters(), lr: 1e-2, beta1: 0.9, beta2: 0.98, eps: 1e-8);
        for (int step = 0; step < 20; step++)
        {
            Backward(ours, x, y); adam.Step(1e-2);
            Backward(theirs, x, y); reference.step();
        }
        foreach (var ((name, a), (_, b)) in ours.named_parameters().Zip(theirs.named_parameters()))
            Assert.True(allclose(a, b, rtol: 1e-5, atol: 1e-6), $"{name} differs from torch's optimizer");
    }

    [Fact]
    public void Saved_state_continues_bit_identically_and_parameters_without_gradient_are_skipped()
    {
        var (a, x, y) = Problem(2);
        var adamA = new Adam(a.named_parameters().Select(p => (p.name, p.parameter)));
        for (int i = 0; i < 5; i++) { Backward(a, x, y); adamA.Step(1e-2); }
        var saved = adamA.StateDict();
        var weights = a.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        for (int i = 0; i < 5; i++) { Backward(a, x, y); adamA.Step(1e-2); }

        var (b, _, _) = Problem(99);
        using (no_grad()) foreach (var (k, v) in b.state_dict()) v.copy_(weights[k]);
        var adamB = new Adam(b.named_parameters().Select(p => (p.name, p.parameter)));
        adamB.LoadStateDict(saved);
        for (int i = 0; i < 5; i++) { Backward(b, x, y); adamB.Step(1e-2); }
        foreach (var (k, v) in a.state_dict()) Assert.True(Bits.Same(v, b.state_dict()[k]), $"{k} is not bit-identical after resume");
        Assert.Equal(10, adamB.StateOf("weight").step);

        // a parameter whose gradient is undefined (frozen) keeps its value and its step count
        var bias = b.named_parameters().First(p => p.name == "bias").parameter;
        bias.requires_grad = false;
        var before = bias.clone();
        Backward(b, x, y); adamB.Step(1e-2);
        Assert.True(Bits.Same(bias, before));
        Assert.Equal(10, adamB.StateOf("bias").step);
        Assert.Equal(11, adamB.StateOf("weight").step);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.01)]
    public void The_flat_update_equals_one_parameter_at_a_time_bit_for_bit(double weightDecay)
    {
        // Three layers; phases as in fine-tuning: only the last layer trains, then all, then the middle one is frozen (the
        // parameters with a gradient are no longer one run: one parameter at a time), then all again.
        static nn.Module<Tensor, Tensor> Net(int seed) { manual_seed(seed); return nn.Sequential(nn.Linear(6, 5), nn.Linear(5, 4), nn.Linear(4, 3)); }
        var (flat, perTensor) = (Net(5), Net(5));
        var x = randn(16, 6); var y = randn(16, 3);
        var adamFlat = new Adam(flat.named_parameters().Select(p => (p.name, p.parameter)), weightDecay: weightDecay);
        var adamPerTensor = new Adam(perTensor.named_parameters().Select(p => (p.name, p.parameter)), weightDecay: weightDecay, flat: false);
        Assert.True(adamFlat.Flat);
        Assert.False(adamPerTensor.Flat);
        void Phase(int steps, Func<string, bool> trains)
        {
            foreach (var net in new[] { flat, perTensor })
                foreach (var (name, p) in net.named_parameters()) p.requires_grad = trains(name);
            for (int i = 0; i < steps; i++)
            {
                Backward(flat, x, y); adamFlat.Step(1e-2);
                Backward(perTensor, x, y); adamPerTensor.Step(1e-2);
            }
        }
        Phase(3, name => name.StartsWith("2."));
        Phase(5, _ => true);
        Phase(3, name => !name.StartsWith("1."));
        Phase(4, _ => true);
        foreach (var ((name, a), (_, b)) in flat.named_parameters().Zip(perTensor.named_parameters()))
        {
            Assert.True(Bits.Same(a, b), $"{name} differs between the flat and the per-parameter update");
            Assert.True(Bits.Same(adamFlat.StateOf(name).expAvgSq, adamPerTensor.StateOf(name).expAvgSq), $"{name}: second moments differ");
            Assert.Equal(adamPerTensor.StateOf(name).step, adamFlat.StateOf(name).step);
        }
        Assert.Equal(15, adamFlat.StateOf("2.weight").step);
        Assert.Equal(9, adamFlat.StateOf("1.weight").step);
    }

    [Fact]
    public void Loading_a_state_of_another_model_names_the_problem()
    {
        var (a, _, _) = Problem(3);
        var adam = new Adam(a.named_parameters().Select(p => (p.name, p.parameter)));
        var state = adam.StateDict();
        state["weight.exp_avg"] = zeros(2, 2);
        var e = Assert.Throws<TrainingException>(() => adam.LoadStateDict(state, "ckpt/optimizer.safetensors"));
        Assert.Contains("ckpt/optimizer.safetensors", e.Message);
        Assert.Contains("'weight'", e.Message);
    }
}
