using Parp.Data.Corpora;
using Parp.Models;
using Parp.Models.Checkpoints;
using Parp.Audio;
using Parp.Tests.Support;
using static TorchSharp.torch;

namespace Parp.Tests.Models;

public class ShippedModelTests
{
    [Fact]
    public void The_shipped_tiny_model_loads_as_pretraining_and_as_ctc_model()
    {
        using var pre = HfCheckpoint.LoadPreTraining(ShippedModels.TinyPretrained);
        Assert.Equal(256, pre.Config.HiddenSize);
        Assert.Equal(4, pre.Config.NumHiddenLayers);
        using var ctc = HfCheckpoint.LoadCtc(ShippedModels.TinyPretrained, c => c with { VocabSize = 32 });
        Assert.Equal(32, ctc.Config.VocabSize);
    }

    // It is really pre-trained: on speech it never saw (the smoke test split), its contrastive loss is far below that of
    // the same architecture at random initialisation, with the same masks and negatives (measured: 2.31 against 4.01).
    [RequiresProgramFact("espeak-ng", "espeak-ng")]
    public void The_shipped_tiny_model_solves_the_contrastive_task_far_better_than_random_weights()
    {
        GeneratedCorpora.Ensure("smoke", ["en"]);
        var manifest = GeneratedCorpora.Manifest("smoke", "en", "test");
        using var scope = NewDisposeScope();
        var audio = Enumerable.Range(0, manifest.Count).Where(i => manifest.Entries[i].NumSamples >= 32000).Take(3)
            .Select(i => AudioFile.Load(manifest.FullPath(i), new AudioLoadOptions { Normalize = true })[..32000]).ToArray();
        Assert.Equal(3, audio.Length);
        var input = stack(audio.Select(a => tensor(a)).ToArray());

        using var shipped = HfCheckpoint.LoadPreTraining(ShippedModels.TinyPretrained);
        using var random = new Wav2Vec2ForPreTraining(shipped.Config);
        double Loss(Wav2Vec2ForPreTraining model)
        {
            model.eval();
            using var _ = no_grad();
            long frames = FrameLengths.FromSamples(model.Config, 32000);
            var generator = new Generator(7);
            var mask = SpanMasking.ComputeTensor(model.Config.SpanMaskStyle, 3, (int)frames, 0.65, 10, 2, null, generator, CPU);
            var negatives = NegativeSampling.Sample(mask, model.Config.NumNegatives, generator);
            var output = model.forward(input, maskTimeIndices: mask, sampledNegativeIndices: negatives);
            return output.ContrastiveLoss!.item<float>() / mask.sum().item<long>();
        }
        double pretrained = Loss(shipped), untrained = Loss(random);
        Assert.True(pretrained < 0.75 * untrained, $"contrastive loss per masked frame: shipped {pretrained:F3}, random {untrained:F3}");
    }
}
