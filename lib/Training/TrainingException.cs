namespace Parp.Training;

/// <summary>A run cannot go on: a bad checkpoint, a resume with another recipe, too many non-finite losses.</summary>
public sealed class TrainingException(string message, Exception? inner = null) : Exception(message, inner);
