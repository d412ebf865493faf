using Parp.IO;

namespace Parp.Models;

/// <summary>Checkpoints that ship in the repository (Hugging Face layout), so the default scale needs no pre-training run.</summary>
public static class ShippedModels
{
    /// <summary>
    /// The project's own Tiny wav2vec2 (256 × 4), self-supervised on the generated English and Spanish pools:
    /// <c>models/tiny-pretrained/</c>; its recipe and measured worth are in the README there.
    /// </summary>
    public static string TinyPretrained => Path.Combine(Repository.Root(), "models", "tiny-pretrained");
}
