using System.Globalization;

namespace Parp.Pruning;

/// <summary>Provenance of a mask, kept in its file's safetensors metadata (docs/design.md §2: a mask is data).</summary>
/// <param name="Method">How it was made: mpi, omp, imp, random, parp, parp-p, fairseq-import, ...</param>
/// <param name="TargetSparsity">The sparsity asked for (the measured one is <see cref="Mask.Sparsity"/>).</param>
/// <param name="SourceModel">The model whose weights it was computed from (a path, a hub id, "θ0", ...).</param>
/// <param name="Step">The update at which it was computed (0 for masks of a model at rest), or an IMP round.</param>
/// <param name="Pool">The pool spec's name.</param>
public sealed record MaskInfo(string Method, double TargetSparsity, string SourceModel = "", long Step = 0, string Pool = "paper")
{
    const string Prefix = "parp.";

    public Dictionary<string, string> ToMetadata(double measuredSparsity) => new()
    {
        [Prefix + "method"] = Method,
        [Prefix + "target_sparsity"] = TargetSparsity.ToString("R", CultureInfo.InvariantCulture),
        [Prefix + "sparsity"] = measuredSparsity.ToString("R", CultureInfo.InvariantCulture),
        [Prefix + "source_model"] = SourceModel,
        [Prefix + "step"] = Step.ToString(CultureInfo.InvariantCulture),
        [Prefix + "pool"] = Pool,
    };

    /// <summary>Reads what <see cref="ToMetadata"/> wrote; fields missing from a foreign file get neutral values.</summary>
    public static MaskInfo FromMetadata(IReadOnlyDictionary<string, string> meta, string file)
    {
        string Get(string key, string fallback) => meta.TryGetValue(Prefix + key, out var v) ? v : fallback;
        double target = ParseDouble(Get("target_sparsity", "NaN"), "target_sparsity", file);
        long step = long.TryParse(Get("step", "0"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s
            : throw new PruningException($"{file}: metadata parp.step '{Get("step", "")}' is not an integer");
        return new MaskInfo(Get("method", "unknown"), target, Get("source_model", ""), step, Get("pool", "unknown"));
    }

    static double ParseDouble(string text, string key, string file) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d
            : throw new PruningException($"{file}: metadata parp.{key} '{text}' is not a number");
}
