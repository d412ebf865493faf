using System.Diagnostics;

namespace Parp.Runtime;

/// <summary>
/// An <see cref="IProgress{T}"/> that forwards at most one report per interval (and always the first), so a
/// notebook display or a console line updates a few times a second, not once per utterance or step.
/// Reports arrive on the reporting thread (no synchronisation context), in order.
/// </summary>
public sealed class ThrottledProgress<T>(Action<T> update, TimeSpan? interval = null) : IProgress<T>
{
    readonly TimeSpan _interval = interval ?? TimeSpan.FromMilliseconds(500);
    readonly Stopwatch _clock = new();
    readonly object _gate = new();
    T? _last;
    bool _pending;

    public void Report(T value)
    {
        lock (_gate)
        {
            _last = value;
            _pending = true;
            if (_clock.IsRunning && _clock.Elapsed < _interval) return;
            _clock.Restart();
            _pending = false;
            update(value);
        }
    }

    /// <summary>Forwards the last report if the interval swallowed it (call when the work is done).</summary>
    public void Flush()
    {
        lock (_gate)
            if (_pending) { _pending = false; update(_last!); }
    }
}
