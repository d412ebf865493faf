using static TorchSharp.torch;

namespace Parp.Models;

/// <summary>Distractors for the contrastive loss: other masked frames of the same utterance (HF _sample_negative_indices).</summary>
public static class NegativeSampling
{
    /// <summary>
    /// [B, T, K] int64 indices into the batch-flattened frames (row b already offset by b·T). For each masked frame,
    /// K masked frames of its own row drawn uniformly with replacement, never the frame itself (the draw from
    /// {0..n-2} is shifted past the positive). Unmasked frames get index b·T (unused: the loss ignores them).
    /// </summary>
    public static Tensor Sample(Tensor maskTimeIndices, int numNegatives, Generator? generator = null)
    {
        long batch = maskTimeIndices.shape[0], frames = maskTimeIndices.shape[1];
        var mask = maskTimeIndices.to_type(ScalarType.Bool).cpu().data<bool>().ToArray();
        var result = new long[batch * frames * numNegatives];
        for (long b = 0; b < batch; b++)
        {
            var masked = Enumerable.Range(0, (int)frames).Where(t => mask[b * frames + t]).ToArray();
            int n = masked.Length;
            for (int j = 0; j < frames * numNegatives; j++) result[(b * frames) * numNegatives + j] = b * frames;
            if (n == 1)  // a lone masked frame has no distractor: point at itself, which the loss masks to -inf
                for (int k = 0; k < numNegatives; k++) result[((b * frames) + masked[0]) * numNegatives + k] = masked[0] + b * frames;
            if (n < 2) continue;
            using var draws = randint(0, n - 1, [n, numNegatives], dtype: ScalarType.Int64, generator: generator);
            var d = draws.data<long>().ToArray();
            for (int i = 0; i < n; i++)
                for (int k = 0; k < numNegatives; k++)
                {
                    long s = d[i * numNegatives + k];
                    if (s >= i) s += 1;
                    result[((b * frames) + masked[i]) * numNegatives + k] = masked[s] + b * frames;
                }
        }
        return tensor(result, [batch, frames, numNegatives], device: maskTimeIndices.device);
    }
}
