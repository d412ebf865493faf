using System.Text.Json.Nodes;
using Parp.Notebooks;
using Parp.Tests.Support;

namespace Parp.Tests.Notebooks;

/// <summary>
/// A training run in a notebook updates one display in place (ThrottledProgress over the trainer's progress hook),
/// and the executed notebook keeps the last state. Runs alone: it trains (global torch generator) and changes the
/// working directory.
/// </summary>
[Collection(nameof(GlobalTorchRandom))]
public class TrainingDisplayTests
{
    [RequiresProgramFact("espeak-ng", "espeak-ng")]
    public async Task A_fine_tuning_run_updates_its_notebook_display_to_the_last_update()
    {
        using var notebooks = new TestNotebooks();
        var lib = Path.Combine(HostProgram.RepositoryRoot(), "lib", "bin");
        var runFolder = Path.Combine(notebooks.Folder, "run");
        var path = notebooks.Write("training.ipynb",
            "params:var scale = \"smoke\";",
            $"#r \"{lib}/PARP.dll\"\n#r \"{lib}/TorchSharp.dll\"\nusing Parp.Data;\nusing Parp.Runtime;\nusing Parp.Training;",
            "var status = display(\"starting\");\n" +
            "var progress = new ThrottledProgress<TrainingProgress>(p => status.Update(p.ToString()), TimeSpan.Zero);\n" +
            "var data = LabelledData.Generated(scale, \"en\", \"10min\");\n" +
            "var recipe = FineTunePresets.Get(scale) with { MaxUpdates = 4, FreezeFinetuneUpdates = 0, MaxBatchSize = 2 };\n" +
            $"var (model, result) = FineTuning.Run(@\"{runFolder}\", ModelSource.Random(scale), recipe, data, TorchSharp.torch.CPU,\n" +
            "    progress: progress, loop: new LoopOptions { LogEvery = 1, CheckpointEvery = 4 });\n" +
            "result.Completed");

        var output = new StringWriter();
        var errors = new StringWriter();
        int exit = await HostProgram.RunAsync(["--scale", "smoke", "--artifacts", notebooks.Artifacts, "--no-report", path], output, errors);

        Assert.True(exit == 0, errors.ToString());
        var cells = (JsonArray)JsonNode.Parse(File.ReadAllText(Path.Combine(notebooks.Artifacts, "notebooks", "training.ipynb")))!["cells"]!;
        var outputs = (JsonArray)cells[3]!["outputs"]!;
        var display = outputs.First(o => o!["output_type"]!.GetValue<string>() == "display_data")!;
        Assert.StartsWith("finetune [####################] 4/4 loss", display["data"]!["text/plain"]!.GetValue<string>());
    }
}
