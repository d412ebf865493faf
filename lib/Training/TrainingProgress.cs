namespace Parp.Training;

/// <summary>What a run reports after each logged update (console line, notebook display).</summary>
public sealed record TrainingProgress(string Phase, int Update, int TotalUpdates, double Loss, double LearningRate,
    double UpdatesPerSecond, double AudioSecondsPerSecond, TimeSpan Elapsed, IReadOnlyDictionary<string, double> Metrics)
{
    public TimeSpan? Remaining => UpdatesPerSecond > 0 ? TimeSpan.FromSeconds((TotalUpdates - Update) / UpdatesPerSecond) : null;

    public override string ToString()
    {
        double fraction = TotalUpdates == 0 ? 1 : (double)Update / TotalUpdates;
        int filled = (int)Math.Round(fraction * 20);
        string bar = new string('#', filled) + new string('.', 20 - filled);
        return $"{Phase} [{bar}] {Update}/{TotalUpdates} loss {Loss:F4} lr {LearningRate:E2} " +
               $"{UpdatesPerSecond:F2} upd/s {AudioSecondsPerSecond:F1} audio-s/s elapsed {Elapsed:hh\\:mm\\:ss}" +
               (Remaining is { } r ? $" left {r:hh\\:mm\\:ss}" : "");
    }
}

/// <summary>A progress line that rewrites itself on a terminal and prints plain lines when redirected.</summary>
public sealed class ConsoleProgress(TextWriter? writer = null) : IProgress<TrainingProgress>
{
    readonly TextWriter _writer = writer ?? Console.Error;

    public void Report(TrainingProgress value)
    {
        if (Console.IsErrorRedirected || _writer != Console.Error) _writer.WriteLine(value.ToString());
        else _writer.Write($"\r{value}   ");
    }
}
