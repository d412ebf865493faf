using Parp.Training;

namespace Parp.Pruning;

/// <summary>A training callback that prunes: the mask the run started from and the one it ends with (the same for a
/// fixed mask; PARP's last re-prune once training has ended).</summary>
public interface IPruningCallback : ITrainingCallback
{
    Mask InitialMask { get; }
    Mask FinalMask { get; }
}
