using static TorchSharp.torch;

namespace Parp.Pruning;

/// <summary>
/// Global magnitude pruning written the obvious way (docs/paper.md §2.3): list every |value| of the pool with its flat
/// index in pool order, sort by (|value|, index), and prune the first k = round(s·N). It copies the whole pool to managed
/// memory and sorts it, so it is for small pools: the tests check the fast selection (<see cref="SmallestSelection"/>,
/// which <see cref="GlobalMagnitudePruning"/> uses) against it, and it says in a few lines what that one computes.
/// </summary>
public static class ReferenceSelection
{
    /// <summary>The mask keeping all but the round(s·N) smallest |values| of <paramref name="tensors"/>, in their order.</summary>
    public static Mask ComputeMask(IReadOnlyList<(string Name, Tensor Values)> tensors, double sparsity, MaskInfo? info = null)
    {
        // |value| in double: every float32, float16 and bfloat16 value converts exactly, so the order is the tensors'.
        var magnitudes = tensors.SelectMany(t => t.Values.detach().abs().to_type(ScalarType.Float64).cpu().flatten().data<double>().ToArray()).ToArray();
        long k = GlobalMagnitudePruning.PrunedCount(sparsity, magnitudes.Length);
        var kept = Enumerable.Repeat(true, magnitudes.Length).ToArray();
        foreach (int i in Enumerable.Range(0, magnitudes.Length).OrderBy(i => magnitudes[i]).ThenBy(i => i).Take((int)k)) kept[i] = false;

        int offset = 0;
        var masks = new List<KeyValuePair<string, Tensor>>();
        foreach (var (name, values) in tensors)
        {
            int count = (int)values.NumberOfElements;
            masks.Add(KeyValuePair.Create(name, tensor(kept[offset..(offset + count)], values.shape).to(values.device)));
            offset += count;
        }
        return new Mask(masks, info ?? new MaskInfo("magnitude", sparsity, Pool: "custom"));
    }

    /// <summary>The same over a model's pool.</summary>
    public static Mask ComputeMask(PrunablePool pool, double sparsity, MaskInfo? info = null) =>
        ComputeMask(pool.Entries.Select(e => (e.Name, (Tensor)e.Parameter)).ToList(), sparsity, info ?? new MaskInfo("magnitude", sparsity, Pool: pool.Spec.Name));
}
