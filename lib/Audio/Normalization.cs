namespace Parp.Audio;

/// <summary>
/// Per-utterance normalisation to zero mean and unit variance, exactly as Hugging Face's
/// <c>Wav2Vec2FeatureExtractor(do_normalize=True)</c>: (x − mean) / sqrt(var + 1e-7), population variance.
/// LV-60 and XLSR-53 were pre-trained on normalised audio, BASE and LARGE on raw audio (docs/paper.md §6);
/// fine-tuning must do what pre-training did.
/// </summary>
public static class Normalization
{
    public const double Epsilon = 1e-7;

    public static float[] ZeroMeanUnitVariance(ReadOnlySpan<float> x)
    {
        if (x.Length == 0) return [];
        double mean = 0;
        foreach (var v in x) mean += v;
        mean /= x.Length;
        double var = 0;
        foreach (var v in x) var += (v - mean) * (v - mean);
        var /= x.Length;
        double scale = 1.0 / Math.Sqrt(var + Epsilon);
        var y = new float[x.Length];
        for (int i = 0; i < x.Length; i++) y[i] = (float)((x[i] - mean) * scale);
        return y;
    }
}
