namespace Parp.Audio;

/// <summary>
/// Band-limited resampling by a Kaiser-windowed sinc, evaluated as a polyphase filter.
/// Rates are reduced to L/M (22050 → 16000 is 320/441); for such rational ratios the filter is tabulated
/// once per phase, so resampling hours of generated speech costs about 50 multiply-adds per output sample.
/// Output length is ceil(n · dst / src), the convention of librosa and torchaudio.
/// </summary>
public sealed class Resampler
{
    // 16 zero crossings per side with beta 8.6 keep aliasing and pass-band ripple far below 16-bit noise.
    const int ZeroCrossings = 16;
    const double KaiserBeta = 8.6;
    // Cut a little below the lower Nyquist frequency so the transition band does not alias.
    const double Rolloff = 0.945;
    const int MaxTabulatedPhases = 4096;

    public int SourceRate { get; }
    public int TargetRate { get; }
    readonly int _up, _down, _halfWidth;
    readonly double _cutoff;
    readonly float[]? _table; // [phase * 2H + tap]

    public Resampler(int sourceRate, int targetRate)
    {
        if (sourceRate <= 0 || targetRate <= 0)
            throw new ArgumentOutOfRangeException(nameof(sourceRate), $"sample rates must be positive (got {sourceRate} → {targetRate})");
        SourceRate = sourceRate; TargetRate = targetRate;
        int g = Gcd(sourceRate, targetRate);
        _up = targetRate / g; _down = sourceRate / g;
        _cutoff = Math.Min(1.0, (double)_up / _down) * Rolloff; // relative to the input Nyquist
        _halfWidth = (int)Math.Ceiling(ZeroCrossings / _cutoff);
        if (_up <= MaxTabulatedPhases)
        {
            _table = new float[_up * 2 * _halfWidth];
            for (int p = 0; p < _up; p++)
                for (int t = 0; t < 2 * _halfWidth; t++)
                    _table[p * 2 * _halfWidth + t] = (float)Kernel(t - _halfWidth + 1 - (double)p / _up);
        }
    }

    public static float[] Resample(float[] samples, int sourceRate, int targetRate) =>
        sourceRate == targetRate ? (float[])samples.Clone() : new Resampler(sourceRate, targetRate).Process(samples);

    public static long OutputLength(long inputLength, int sourceRate, int targetRate)
    {
        int g = Gcd(sourceRate, targetRate);
        long up = targetRate / g, down = sourceRate / g;
        return (inputLength * up + down - 1) / down;
    }

    public float[] Process(float[] x)
    {
        var y = new float[OutputLength(x.Length, SourceRate, TargetRate)];
        int width = 2 * _halfWidth;
        for (long j = 0; j < y.Length; j++)
        {
            long num = j * _down;
            long k = num / _up;            // input sample at or just before the output instant
            int phase = (int)(num % _up);  // fractional position, in units of 1/up
            long first = k - _halfWidth + 1;
            double acc = 0;
            for (int t = 0; t < width; t++)
            {
                long i = first + t;
                if (i < 0 || i >= x.Length) continue; // zeros outside the signal
                float h = _table is not null ? _table[phase * width + t] : (float)Kernel(t - _halfWidth + 1 - (double)phase / _up);
                acc += x[i] * h;
            }
            y[j] = (float)acc;
        }
        return y;
    }

    // Impulse response at distance d input samples from the output instant.
    double Kernel(double d)
    {
        double r = d / _halfWidth;
        if (Math.Abs(r) >= 1) return 0;
        double a = Math.PI * _cutoff * d;
        double sinc = Math.Abs(a) < 1e-12 ? 1.0 : Math.Sin(a) / a;
        return _cutoff * sinc * BesselI0(KaiserBeta * Math.Sqrt(1 - r * r)) / BesselI0(KaiserBeta);
    }

    static double BesselI0(double x)
    {
        double sum = 1, term = 1, q = x * x / 4;
        for (int k = 1; k < 50 && term > 1e-12 * sum; k++) { term *= q / ((double)k * k); sum += term; }
        return sum;
    }

    static int Gcd(int a, int b) { while (b != 0) (a, b) = (b, a % b); return a; }
}
