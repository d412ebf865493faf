namespace Parp.Runtime;

/// <summary>An <see cref="IProgress{T}"/> that calls <paramref name="report"/> at once on the reporting thread
/// (<see cref="Progress{T}"/> posts to a synchronisation context or the thread pool instead).</summary>
public sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
