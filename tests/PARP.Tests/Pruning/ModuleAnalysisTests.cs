using Parp.Experiments;
using Parp.Pruning;
using static TorchSharp.torch;

namespace Parp.Tests.Pruning;

public class ModuleAnalysisTests
{
    const string L0 = "wav2vec2.encoder.layers.0.", L1 = "wav2vec2.encoder.layers.1.";

    static Mask MaskOf(params (string Name, bool[] Kept)[] tensors) =>
        new(tensors.Select(t => KeyValuePair.Create(t.Name, tensor(t.Kept))), new MaskInfo("test", 0.5));

    [Theory]
    [InlineData(L0 + "attention.q_proj.weight", "q")]
    [InlineData(L1 + "attention.out_proj.bias", "out.bias")]
    [InlineData(L0 + "feed_forward.intermediate_dense.weight", "fc1")]
    [InlineData(L0 + "feed_forward.output_dense.bias", "fc2.bias")]
    [InlineData("wav2vec2.feature_projection.projection.weight", "projection.weight")]
    public void Modules_get_short_names(string name, string module) => Assert.Equal(module, ModuleAnalysis.ModuleOf(name));

    [Fact]
    public void Sparsity_changes_and_grid_are_per_layer_and_module()
    {
        using var a = MaskOf((L0 + "attention.q_proj.weight", [true, false, false, false]), (L0 + "attention.q_proj.bias", [true, true]),
            (L1 + "attention.q_proj.weight", [true, true, false, false]), (L1 + "attention.q_proj.bias", [true, true]));
        using var b = MaskOf((L0 + "attention.q_proj.weight", [false, true, false, false]), (L0 + "attention.q_proj.bias", [true, true]),
            (L1 + "attention.q_proj.weight", [true, true, true, false]), (L1 + "attention.q_proj.bias", [false, true]));

        var sparsity = ModuleAnalysis.SparsityPerModule(a);
        Assert.Equal([0.75, 0, 0.5, 0], sparsity.Select(s => s.Sparsity));
        Assert.Equal([0, 0, 1, 1], sparsity.Select(s => s.Layer!.Value));

        var changes = ModuleAnalysis.ChangesPerModule(a, b);
        Assert.Equal([1L, 0, 1, 0], changes.Select(c => c.Revived));
        Assert.Equal([1L, 0, 0, 1], changes.Select(c => c.Dropped));

        var (rows, columns, values) = ModuleAnalysis.Grid(sparsity, s => s.Layer, s => s.Module, s => s.Sparsity);
        Assert.Equal(["layer 0", "layer 1"], rows);
        Assert.Equal(["q", "q.bias"], columns);              // weights before biases, as in ModuleOrder
        Assert.Equal([0.75, 0], values[0]);
        Assert.Equal([0.5, 0], values[1]);
    }

    [Fact]
    public void Kept_magnitudes_count_only_kept_nonzero_weights_in_their_bins()
    {
        using var model = TorchSharp.torch.nn.Linear(4, 1, hasBias: false);
        using (no_grad()) model.weight!.copy_(tensor(new float[] { 0.001f, -0.1f, 0.5f, 0f }).view(1, 4));
        using var mask = new Mask([KeyValuePair.Create("weight", tensor(new[] { true, true, false, true }).view(1, 4))], new MaskInfo("test", 0.25));
        var h = ModuleAnalysis.KeptMagnitudes("m", mask, model, bins: 5, low: -5, high: 0);   // bins of one decade
        Assert.Equal(2, h.Kept);                                        // 0.5 is pruned, the exact zero left out
        Assert.Equal([0, 0, 0.5, 0, 0.5], h.Shares);                    // log10 0.001 = −3, log10 0.1 = −1
        Assert.Equal([-5.0, -4, -3, -2, -1, 0], h.Edges);
    }

    [Fact]
    public void Two_masks_of_different_tensors_are_refused()
    {
        using var a = MaskOf((L0 + "attention.q_proj.weight", [true, false]));
        using var b = MaskOf((L0 + "attention.k_proj.weight", [true, false]));
        Assert.Throws<PruningException>(() => MaskStudies.Compare("a", a, "b", b));
    }
}
