namespace Parp.Runtime;

/// <summary>
/// LibTorch's global random generator is one for the process: a model built after <c>manual_seed</c> draws its fresh
/// weights from it. Runs that train at once in one process (<see cref="Experiments.ExperimentRunner"/>) seed it and draw
/// from it only while holding <see cref="Lock"/>, so one run's seeding never lands between another's seed and draws.
/// During training they draw from their model's own generator instead (<see cref="Models.GeneratorDropout"/>).
/// </summary>
public static class GlobalGenerator
{
    /// <summary>Held while seeding the global generator and building a model from it (re-entrant).</summary>
    public static readonly object Lock = new();
}
