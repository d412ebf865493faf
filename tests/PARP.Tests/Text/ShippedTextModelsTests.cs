using Parp.IO;
using Parp.Models.Checkpoints;
using Parp.Tests.Support;
using Parp.Text;
using static TorchSharp.torch;

namespace Parp.Tests.Text;

/// <summary>
/// The tiny text models the repository ships for E16 (models/tiny-bert, models/tiny-xlnet) load whole as their
/// pre-training saved them, and predict fortunes they never saw (the text tasks' dev split, held out of pre-training)
/// far better than the same architecture untrained: what their READMEs claim, checked on every clone.
/// </summary>
[Collection(nameof(GlobalTorchRandom))]
public class ShippedTextModelsTests
{
    static IReadOnlyList<string> HeldOutFortunes(int count) =>
        File.ReadLines(Path.Combine(Repository.Root(), "data-manifests", "fortunes", "fortune-topic", "dev.tsv"))
            .Skip(1).Select(l => l.Split('\t')[0]).Take(count).ToList();

    static TextPreTrainingObjective Objective(string folder, bool trained)
    {
        var file = Path.Combine(folder, "model.safetensors");
        TextPreTrainingObjective objective = TextModels.FamilyOf(folder) == "xlnet"
            ? new PermutationLanguageModelObjective(TextPreTraining.Fresh(() => new XLNetLMHeadModel(XLNetCheckpoint.ReadConfig(folder)), seed: 1),
                TextModels.TokenizerFile(folder), 64)
            : new MaskedLanguageModelObjective(TextPreTraining.Fresh(() => new BertForMaskedLM(BertCheckpoint.ReadConfig(folder)), seed: 1),
                TextModels.TokenizerFile(folder), 64);
        if (trained)
        {
            var tensors = SafetensorsFile.Read(file);
            try { TextPreTraining.Copy(tensors, objective.Model, file); }
            finally { foreach (var t in tensors.Values) t.Dispose(); }
        }
        return objective;
    }

    [Theory]
    [InlineData("bert")]
    [InlineData("xlnet")]
    public void A_shipped_tiny_model_predicts_held_out_fortunes_far_better_than_untrained(string family)
    {
        var folder = CrossTaskSetting.For("tiny", model: family).Model;
        var texts = HeldOutFortunes(64);
        var shipped = Objective(folder, trained: true);
        var untrained = Objective(folder, trained: false);
        using (shipped.Model)
        using (untrained.Model)
        {
            var (loss, accuracy) = TextPreTraining.Evaluate(shipped, texts, CPU);
            var (untrainedLoss, untrainedAccuracy) = TextPreTraining.Evaluate(untrained, texts, CPU);
            // The READMEs, over 2,000 held-out fortunes: BERT 4.04 and 30.2 %, XLNet 4.52 and 17.8 %; untrained 9.02
            // (about ln 8,000: a uniform guess over the vocabulary) and 0.0 %.
            Assert.True(loss < untrainedLoss - 3, $"{family}: loss {loss:F2}, untrained {untrainedLoss:F2}");
            Assert.True(accuracy > untrainedAccuracy + 10, $"{family}: accuracy {accuracy:F1} %, untrained {untrainedAccuracy:F1} %");
        }
    }
}
