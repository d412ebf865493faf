using Parp.IO;
using Parp.Models.Checkpoints;
using Parp.Runtime;
using static TorchSharp.torch;

namespace Parp.Pruning;

/// <summary>
/// A pruning mask: parameter name → boolean tensor of the parameter's shape, true = kept (m = 1), false = pruned.
/// It owns its tensors (outside any dispose scope) until <see cref="Dispose"/>. Saved as safetensors (BOOL tensors) with <see cref="MaskInfo"/> and the measured sparsity in
/// the metadata; kept separate from the dense weights (docs/paper.md §11.4).
/// </summary>
public sealed class Mask : IDisposable
{
    readonly List<string> names;
    readonly Dictionary<string, Tensor> kept;

    /// <summary>A mask from kept-tensors (taken over, not copied). Every tensor must be boolean.</summary>
    public Mask(IEnumerable<KeyValuePair<string, Tensor>> keptTensors, MaskInfo info)
    {
        names = [];
        kept = [];
        foreach (var (name, t) in keptTensors)
        {
            if (t.dtype != ScalarType.Bool) throw new PruningException($"mask tensor '{name}' has dtype {t.dtype}; masks hold booleans (true = kept)");
            if (!kept.TryAdd(name, t)) throw new PruningException($"mask tensor '{name}' appears twice");
            // The mask owns its tensors for as long as it lives; a trainer's per-step dispose scope must not free them.
            t.DetachFromDisposeScope();
            names.Add(name);
        }
        Info = info;
    }

    public MaskInfo Info { get; init; }
    /// <summary>Names in the order given at construction (pool order for masks computed here; sorted for loaded files).</summary>
    public IReadOnlyList<string> Names => names;
    public Tensor this[string name] => kept.TryGetValue(name, out var t) ? t : throw new KeyNotFoundException($"the mask has no tensor '{name}'");
    public bool Contains(string name) => kept.ContainsKey(name);

    /// <summary>Number of entries the mask covers (N for a pool mask).</summary>
    public long Count => kept.Values.Sum(t => t.NumberOfElements);
    public long KeptCount()
    {
        using var scope = NewDisposeScope();
        using var counts = new DeviceCounts(1);
        foreach (var t in kept.Values) counts.Add(t.sum());
        return counts.Read()[0];
    }
    public long PrunedCount() => Count - KeptCount();
    /// <summary>Pruned fraction of the entries the mask covers.</summary>
    public double Sparsity() => Count == 0 ? 0 : (double)PrunedCount() / Count;

    /// <summary>The all-kept mask of a pool (the start of IMP).</summary>
    public static Mask AllKept(PrunablePool pool, MaskInfo? info = null) =>
        new(pool.Entries.Select(e => KeyValuePair.Create(e.Name, ones(e.Shape, ScalarType.Bool, device: e.Parameter.device))),
            info ?? new MaskInfo("dense", 0, Pool: pool.Spec.Name));

    /// <summary>The mask of a pool's current zeros: kept = value ≠ 0.</summary>
    public static Mask OfNonZeros(PrunablePool pool, MaskInfo info)
    {
        using var _ = no_grad();
        return new(pool.Entries.Select(e => KeyValuePair.Create(e.Name, e.Parameter.detach().ne(ScalarMath.Zero))), info);
    }

    /// <summary>A copy with other provenance.</summary>
    public Mask WithInfo(MaskInfo info) => new(names.Select(n => KeyValuePair.Create(n, kept[n].clone())), info);

    /// <summary>A copy with every tensor on <paramref name="device"/>.</summary>
    public Mask To(Device device) => new(names.Select(n => KeyValuePair.Create(n, kept[n].to(device))), Info);

    /// <summary>
    /// Throws a <see cref="PruningException"/> listing every mismatch (names only in the mask, pool tensors without a
    /// mask, shape differences) unless the mask covers exactly the pool's tensors with their shapes.
    /// </summary>
    public void CheckMatches(PrunablePool pool)
    {
        var problems = new List<string>();
        var poolNames = pool.Entries.ToDictionary(e => e.Name);
        foreach (var n in names.Where(n => !poolNames.ContainsKey(n))) problems.Add($"in the mask, not in the model's pool: {n}");
        foreach (var e in pool.Entries.Where(e => !kept.ContainsKey(e.Name))) problems.Add($"in the model's pool, not in the mask: {e.Name}");
        foreach (var e in pool.Entries.Where(e => kept.ContainsKey(e.Name)))
        {
            var s = kept[e.Name].shape;
            if (!s.SequenceEqual(e.Shape)) problems.Add($"shape of {e.Name}: mask [{string.Join(", ", s)}], model [{string.Join(", ", e.Shape)}]");
        }
        if (problems.Count > 0)
            throw new PruningException($"the mask ({Info.Method}, from '{Info.SourceModel}') does not fit this model's pool '{pool.Spec.Name}': {problems.Count} mismatch(es)", problems);
    }

    /// <summary>θ[P] ← θ[P] ⊙ m in place (same parameter objects, so optimizer state survives).</summary>
    public void ApplyTo(PrunablePool pool)
    {
        CheckMatches(pool);
        using var _ = no_grad();
        foreach (var e in pool.Entries)
        {
            using var scope = NewDisposeScope();
            var m = kept[e.Name];
            e.Parameter.mul_(m.to(e.Parameter.device));         // no copy when already there
        }
    }

    /// <summary>Saves atomically as safetensors with the provenance and measured sparsity in the metadata, and
    /// <paramref name="extraMetadata"/> beside them (the runner records the run a mask belongs to).</summary>
    public void Save(string path, IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        var meta = Info.ToMetadata(Sparsity());
        foreach (var (key, value) in extraMetadata ?? new Dictionary<string, string>()) meta[key] = value;
        AtomicFile.WriteVia(path, temp => SafetensorsFile.Write(temp, kept, meta));
    }

    /// <summary>Loads a mask saved by <see cref="Save"/>. Tensors that are not boolean are an error naming them.</summary>
    public static Mask Load(string path)
    {
        var meta = SafetensorsFile.ReadMetadata(path);
        var tensors = SafetensorsFile.Read(path);
        var notBool = tensors.Where(kv => kv.Value.dtype != ScalarType.Bool).Select(kv => $"{kv.Key}: {kv.Value.dtype}").ToList();
        if (notBool.Count > 0)
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw new PruningException($"{path} is not a mask file of this project: tensors are not boolean (for the official code's *_mask files use FairseqMasks.Load)", notBool);
        }
        return new Mask(tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal), MaskInfo.FromMetadata(meta, path));
    }

    public void Dispose()
    {
        foreach (var t in kept.Values) t.Dispose();
        kept.Clear();
    }
}
