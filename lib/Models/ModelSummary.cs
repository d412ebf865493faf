using Microsoft.Data.Analysis;

namespace Parp.Models;

/// <summary>The shape of a wav2vec2 configuration and its parameter count, measured on a freshly built CTC model.</summary>
public sealed record ModelSummary(string Name, int Layers, int Hidden, int Heads, int FeedForward, long Parameters,
    long BodyParameters, long ReceptiveField, long FrameStride)
{
    /// <summary>Builds the model (random weights, CPU) to count its parameters; BASE takes a few seconds.</summary>
    public static ModelSummary Of(string preset)
    {
        var config = Wav2Vec2Presets.ByName(preset) with { Architectures = ["Wav2Vec2ForCTC"] };
        using var model = new Wav2Vec2ForCtc(config);
        long total = 0, body = 0;
        foreach (var (name, parameter) in model.named_parameters())
        {
            total += parameter.numel();
            if (name.StartsWith("wav2vec2.")) body += parameter.numel();
        }
        return new ModelSummary(preset, config.NumHiddenLayers, config.HiddenSize, config.NumAttentionHeads,
            config.IntermediateSize, total, body, config.ReceptiveField, config.TotalStride);
    }

    public static DataFrame ToDataFrame(IEnumerable<ModelSummary> models)
    {
        var list = models.ToList();
        return new DataFrame(
            new StringDataFrameColumn("preset", list.Select(m => m.Name)),
            new Int32DataFrameColumn("layers", list.Select(m => m.Layers)),
            new Int32DataFrameColumn("hidden", list.Select(m => m.Hidden)),
            new Int32DataFrameColumn("heads", list.Select(m => m.Heads)),
            new Int32DataFrameColumn("ffn", list.Select(m => m.FeedForward)),
            new Int64DataFrameColumn("parameters", list.Select(m => m.Parameters)),
            new Int64DataFrameColumn("body_parameters", list.Select(m => m.BodyParameters)),
            new Int64DataFrameColumn("receptive_field_samples", list.Select(m => m.ReceptiveField)),
            new Int64DataFrameColumn("frame_stride_samples", list.Select(m => m.FrameStride)));
    }
}
