using Parp.Models;
using Parp.Pruning;
using Parp.Tests.Support;
using Parp.Training;
using static TorchSharp.torch;

namespace Parp.Tests.Pruning;

/// <summary>The joint multilingual run (docs/paper.md §3.10) at smoke scale: one PARP run over es+fr, evaluated per language.</summary>
[Collection(nameof(GlobalTorchRandom))]
public class JointParpTests
{
    static readonly FineTuneRecipe Recipe = FineTunePresets.Get("smoke") with { MaxUpdates = 6, FreezeFinetuneUpdates = 0, MaxBatchSize = 2 };
    const double Sparsity = 0.5;

    [RequiresProgramFact("espeak-ng", "espeak-ng")]
    public void Parp_over_es_and_fr_ends_at_the_target_and_is_evaluated_on_each_languages_test_split()
    {
        using var dir = new TempDir();
        string[] languages = ["es", "fr"];
        var train = JointLabelledData.Generated("smoke", languages, "10min");
        var parts = languages.Select(l => LabelledData.Generated("smoke", l, "10min")).ToList();
        Assert.Equal(parts.Sum(p => p.Dataset.Count), train.Dataset.Count);
        // es and fr share some phones and not others: the joint head is wider than either language's.
        Assert.True(train.Vocabulary.Count > parts.Max(p => p.Vocabulary.Count), $"union of {train.Vocabulary.Count} symbols");
        Assert.True(train.Vocabulary.Count < parts.Sum(p => p.Vocabulary.Count - 4) + 4, "es and fr share no phone?");

        Mask mask;
        using (var init = FineTuning.CreateModel(ModelSource.Random("smoke"), Recipe, train.Vocabulary.Count, CPU))
            mask = PruningMethods.Mpi(init, Sparsity);
        using (mask)
        using (var parp = new ParpCallback(mask, new ParpOptions(Interval: 3)))
        {
            var (model, result) = FineTuning.Run(Path.Combine(dir.Path, "joint"), ModelSource.Random("smoke"), Recipe, train, CPU, [parp],
                loop: new LoopOptions { CheckpointEvery = 3, LogEvery = 1 });
            using var _ = model;
            Assert.True(result.Completed);
            var recipeJson = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, "joint", "recipe.json")))!;
            Assert.Equal("joint es+fr (10min.tsv, 10min.tsv)", recipeJson["train_data"]!.GetValue<string>());
            var pool = PrunablePool.Of(model);
            Assert.Equal((long)Math.Round(Sparsity * pool.Count, MidpointRounding.ToEven), pool.ZeroCount());

            foreach (var language in languages)
            {
                var own = LabelledData.Generated("smoke", language, "test");
                var test = own.InVocabulary(train.Vocabulary);
                var evaluation = Evaluator.Evaluate(model, test, $"{language} test", CPU);
                Assert.NotNull(evaluation.Per);
                Assert.Equal(own.Dataset.Count, evaluation.Utterances.Count);
                // The references are the language's own transcripts, whichever indices the joint vocabulary gave them.
                for (int i = 0; i < own.Dataset.Count; i++)
                    Assert.Equal(own.Vocabulary.Decode(own.Dataset.Targets![i]), evaluation.Utterances[i].Reference);
            }
        }
    }
}
