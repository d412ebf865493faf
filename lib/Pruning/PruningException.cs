namespace Parp.Pruning;

/// <summary>A pruning input that cannot be honoured (a pool that matches nothing, a mask for another model, ...).
/// <see cref="Details"/> lists the offending names when there are several, so the message stays readable.</summary>
public sealed class PruningException(string message, IReadOnlyList<string>? details = null)
    : Exception(details is { Count: > 0 } ? $"{message}\n  " + string.Join("\n  ", details.Take(20)) +
                                            (details.Count > 20 ? $"\n  ... and {details.Count - 20} more" : "") : message)
{
    public IReadOnlyList<string> Details { get; } = details ?? [];
}
