using Parp.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Parp.Pruning;

/// <summary>One tensor of a mask: its layer (null outside the encoder layers), its module in short ("q", "fc1",
/// "q.bias"), its size, and what a mask prunes of it.</summary>
public sealed record ModuleSparsity(int? Layer, string Module, long Count, long Pruned, double Sparsity);

/// <summary>Revived (pruned in the first mask, kept in the second) and dropped entries of one tensor.</summary>
public sealed record ModuleChanges(int? Layer, string Module, long Count, long Revived, long Dropped);

/// <summary>A histogram of log10 |w| over the weights a mask keeps: bin edges (one more than the counts) and the share
/// of the kept weights in each bin.</summary>
public sealed record MagnitudeHistogram(string Name, double[] Edges, double[] Shares, long Kept);

/// <summary>
/// Mask analysis per module (a tensor of the pool): where a mask prunes, layer by layer and module by module (the
/// Linears q/k/v/out of attention and fc1/fc2 of the feed-forward, weights and biases apart), what changed between two
/// masks, and the magnitudes of the weights a mask keeps.
/// </summary>
public static class ModuleAnalysis
{
    /// <summary>Short module names, in the order of a Transformer layer.</summary>
    public static readonly IReadOnlyList<string> ModuleOrder =
        ["q", "k", "v", "out", "fc1", "fc2", "q.bias", "k.bias", "v.bias", "out.bias", "fc1.bias", "fc2.bias"];

    /// <summary>"wav2vec2.encoder.layers.3.attention.q_proj.weight" → "q"; "….feed_forward.output_dense.bias" →
    /// "fc2.bias"; a tensor outside the layers keeps its last two name parts.</summary>
    public static string ModuleOf(string name)
    {
        var parts = name.Split('.');
        string kind = parts[^1], owner = parts.Length > 1 ? parts[^2] : parts[0];
        string? module = owner switch
        {
            "q_proj" => "q", "k_proj" => "k", "v_proj" => "v", "out_proj" => "out",
            "intermediate_dense" => "fc1", "output_dense" => "fc2", _ => null,
        };
        if (module is null || PrunablePool.LayerOf(name) is null) return $"{owner}.{kind}";
        return kind == "weight" ? module : $"{module}.{kind}";
    }

    /// <summary>What <paramref name="mask"/> prunes of each of its tensors.</summary>
    public static List<ModuleSparsity> SparsityPerModule(Mask mask) => mask.Names.Select(n =>
    {
        using var scope = NewDisposeScope();
        long count = mask[n].NumberOfElements, kept = mask[n].sum().item<long>();
        return new ModuleSparsity(PrunablePool.LayerOf(n), ModuleOf(n), count, count - kept, count == 0 ? 0 : (double)(count - kept) / count);
    }).ToList();

    /// <summary>Revived and dropped entries of each tensor from <paramref name="before"/> to <paramref name="after"/>.</summary>
    public static List<ModuleChanges> ChangesPerModule(Mask before, Mask after)
    {
        MaskAnalysis.Overlap(before, after);   // checks that the two cover the same tensors
        return before.Names.Select(n =>
        {
            using var scope = NewDisposeScope();
            var b = before[n];
            var a = after[n].to(b.device);
            return new ModuleChanges(PrunablePool.LayerOf(n), ModuleOf(n), b.NumberOfElements,
                a.logical_and(b.logical_not()).sum().item<long>(), b.logical_and(a.logical_not()).sum().item<long>());
        }).ToList();
    }

    /// <summary>
    /// The values as a grid for a heatmap: one row per layer ("layer 0", …), one column per module present (in
    /// <see cref="ModuleOrder"/>, then others by name); <paramref name="value"/> of the tensor at (layer, module), NaN
    /// where a layer lacks it. Tensors outside the layers are left out.
    /// </summary>
    public static (List<string> Rows, List<string> Columns, double[][] Values) Grid<T>(IReadOnlyList<T> items,
        Func<T, int?> layer, Func<T, string> module, Func<T, double> value)
    {
        var inLayers = items.Where(i => layer(i) is not null).ToList();
        var layers = inLayers.Select(i => layer(i)!.Value).Distinct().Order().ToList();
        var modules = inLayers.Select(module).Distinct()
            .OrderBy(m => ModuleOrder.Contains(m) ? ModuleOrder.ToList().IndexOf(m) : int.MaxValue).ThenBy(m => m, StringComparer.Ordinal).ToList();
        var values = layers.Select(l => modules.Select(m =>
            inLayers.Where(i => layer(i) == l && module(i) == m).Select(value).DefaultIfEmpty(double.NaN).First()).ToArray()).ToArray();
        return (layers.Select(l => $"layer {l}").ToList(), modules, values);
    }

    /// <summary>
    /// A histogram of log10 |w| over the entries of <paramref name="model"/>'s parameters that <paramref name="mask"/>
    /// keeps (exact zeros left out), in <paramref name="bins"/> bins from <paramref name="low"/> to <paramref name="high"/>
    /// (values outside go to the end bins).
    /// </summary>
    public static MagnitudeHistogram KeptMagnitudes(string name, Mask mask, nn.Module model, int bins = 40, double low = -5, double high = 0)
    {
        if (bins < 1 || !(high > low)) throw new ArgumentException("a histogram needs at least one bin and high > low");
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var missing = mask.Names.Where(n => !parameters.ContainsKey(n)).ToList();
        if (missing.Count > 0) throw new PruningException("the model lacks tensors the mask covers", missing);
        var counts = new long[bins];
        long kept = 0;
        using var _ = no_grad();
        using var lowest = low.ToScalar();
        using var width = ((high - low) / bins).ToScalar();
        using var last = ((double)(bins - 1)).ToScalar();
        foreach (var n in mask.Names)
        {
            using var scope = NewDisposeScope();
            var w = parameters[n].detach().to(mask[n].device).to_type(ScalarType.Float64).masked_select(mask[n]).abs();
            w = w.masked_select(w.gt(ScalarMath.Zero));
            var index = w.log10().sub(lowest).div(width).floor().clamp(ScalarMath.Zero, last).to_type(ScalarType.Int64);
            var perBin = index.bincount(null, bins).data<long>().ToArray();
            for (int i = 0; i < bins; i++) counts[i] += perBin[i];
            kept += w.NumberOfElements;
        }
        var edges = Enumerable.Range(0, bins + 1).Select(i => low + i * (high - low) / bins).ToArray();
        return new MagnitudeHistogram(name, edges, counts.Select(c => kept == 0 ? 0 : (double)c / kept).ToArray(), kept);
    }
}
