using static TorchSharp.torch;

namespace Parp.Pruning;

/// <summary>Snapshots of a model's parameters by name, for rewinding (IMP, OMP) without reloading files.</summary>
public static class ModelState
{
    /// <summary>Detached clones of every parameter (on its device).</summary>
    public static Dictionary<string, Tensor> Snapshot(nn.Module model)
    {
        using var _ = no_grad();
        return model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
    }

    /// <summary>Copies a snapshot into the model's parameters in place (the parameter objects stay, so an optimizer
    /// built on them keeps working). Names or shapes that do not match are an error listing them.</summary>
    public static void Restore(nn.Module model, IReadOnlyDictionary<string, Tensor> snapshot)
    {
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var problems = snapshot.Keys.Where(k => !parameters.ContainsKey(k)).Select(k => $"not a parameter of the model: {k}")
            .Concat(snapshot.Where(kv => parameters.ContainsKey(kv.Key) && !parameters[kv.Key].shape.SequenceEqual(kv.Value.shape))
                .Select(kv => $"shape of {kv.Key}: snapshot [{string.Join(", ", kv.Value.shape)}], model [{string.Join(", ", parameters[kv.Key].shape)}]"))
            .ToList();
        if (problems.Count > 0) throw new PruningException("the snapshot does not fit the model", problems);
        using var _ = no_grad();
        foreach (var (name, value) in snapshot) parameters[name].copy_(value);
    }

    public static void Dispose(Dictionary<string, Tensor> snapshot)
    {
        foreach (var t in snapshot.Values) t.Dispose();
        snapshot.Clear();
    }
}
