namespace Parp.Tests.Support;

/// <summary>
/// Tests that need bit-exact runs: dropout draws from torch's one global generator, which a test running in parallel
/// would advance between a trainer's reseed and its draws. Tests in this collection run alone, after the parallel ones.
/// </summary>
[CollectionDefinition(nameof(GlobalTorchRandom), DisableParallelization = true)]
public sealed class GlobalTorchRandom;
