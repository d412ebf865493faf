using System.Text.RegularExpressions;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Parp.Pruning;

/// <summary>One pool tensor: its Hugging Face name and the model's own parameter object (never a copy, so that
/// in-place pruning keeps optimizer state tied to it, docs/paper.md §12.3).</summary>
public sealed record PoolEntry(string Name, Parameter Parameter)
{
    public long Count => Parameter.NumberOfElements;
    public long[] Shape => Parameter.shape;
    /// <summary>The encoder layer index in the name (<c>layers.{i}.</c>, BERT's <c>layer.{i}.</c>), or null outside the layers.</summary>
    public int? Layer => PrunablePool.LayerOf(Name);
}

/// <summary>
/// The prunable pool P of a model: the parameters a <see cref="PoolSpec"/> selects, in the model's parameter order
/// ("pool order", which fixes the flat index used for tie-breaking). N = <see cref="Count"/>.
/// </summary>
public sealed class PrunablePool
{
    // wav2vec2's encoder.layers.{i}. and BERT's encoder.layer.{i}.
    static readonly Regex LayerIndex = new(@"(^|\.)layers?\.(\d+)\.", RegexOptions.Compiled);

    PrunablePool(PoolSpec spec, IReadOnlyList<PoolEntry> entries)
    {
        Spec = spec;
        Entries = entries;
        Count = entries.Sum(e => e.Count);
    }

    public PoolSpec Spec { get; }
    public IReadOnlyList<PoolEntry> Entries { get; }
    /// <summary>N: the number of values in the pool (weights and biases together).</summary>
    public long Count { get; }
    public IEnumerable<string> Names => Entries.Select(e => e.Name);

    /// <summary>The pool of <paramref name="model"/> (default: docs/paper.md's paper pool). A pattern that matches no
    /// parameter, or a pool that comes out empty, is an error naming the pattern.</summary>
    public static PrunablePool Of(nn.Module model, PoolSpec? spec = null)
    {
        spec ??= PoolSpec.Paper;
        var regexes = spec.Patterns.Select(p => new Regex(p, RegexOptions.CultureInvariant)).ToList();
        var parameters = model.named_parameters().ToList();
        var unmatched = regexes.Where(r => !parameters.Any(p => r.IsMatch(p.name))).Select(r => r.ToString()).ToList();
        if (unmatched.Count > 0)
            throw new PruningException(
                $"pool '{spec.Name}': {unmatched.Count} pattern(s) match no parameter of this {model.GetType().Name} " +
                $"({parameters.Count} parameters, e.g. '{parameters.FirstOrDefault().name}')", unmatched);
        var entries = parameters.Where(p => regexes.Any(r => r.IsMatch(p.name))).Select(p => new PoolEntry(p.name, p.parameter)).ToList();
        var notFloat = entries.Where(e => !e.Parameter.is_floating_point()).Select(e => $"{e.Name}: {e.Parameter.dtype}").ToList();
        if (notFloat.Count > 0) throw new PruningException($"pool '{spec.Name}' holds non-floating-point parameters", notFloat);
        return new PrunablePool(spec, entries);
    }

    /// <summary>Number of values exactly 0 in the pool (−0 counts: it equals 0).</summary>
    public long ZeroCount()
    {
        using var _ = no_grad();
        using var counts = new DeviceCounts(1);
        foreach (var e in Entries)
        {
            using var scope = NewDisposeScope();
            counts.Add(e.Parameter.eq(Zero).sum());
        }
        return counts.Read()[0];
    }

    // Explicit and alive for the process: an implicit Scalar can be finalised while LibTorch reads it (see Encoder).
    static readonly Scalar Zero = 0.0.ToScalar();

    /// <summary>The measured sparsity: exact zeros over N (docs/paper.md §2.1: biases included, the fraction of the pool only).</summary>
    public double MeasuredSparsity() => Count == 0 ? 0 : (double)ZeroCount() / Count;

    /// <summary>The encoder layer index of a parameter name, or null when the name is not inside <c>layers.{i}</c> (BERT: <c>layer.{i}</c>).</summary>
    public static int? LayerOf(string name)
    {
        var m = LayerIndex.Match(name);
        return m.Success ? int.Parse(m.Groups[2].Value) : null;
    }
}
