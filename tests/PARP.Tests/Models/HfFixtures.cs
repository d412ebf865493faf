using Parp.Models.Checkpoints;
using static TorchSharp.torch;

namespace Parp.Tests.Models;

/// <summary>
/// The golden fixture folders: every folder under $PARP_HF_FIXTURES (default: the copy of
/// tests/fixtures/hf-wav2vec2 in the test output). A folder is a pre-training one when its config.json names
/// Wav2Vec2ForPreTraining; every other folder (one without a readable config.json too) counts as CTC, so a
/// broken folder makes a test fail instead of being skipped.
/// </summary>
public static class HfFixtures
{
    public static string Root
    {
        get
        {
            var env = Environment.GetEnvironmentVariable("PARP_HF_FIXTURES");
            return string.IsNullOrWhiteSpace(env) ? Path.Combine(AppContext.BaseDirectory, "fixtures", "hf-wav2vec2") : env;
        }
    }

    static IEnumerable<string> Folders() =>
        Directory.Exists(Root) ? Directory.GetDirectories(Root).Order(StringComparer.Ordinal) : [];

    public static bool IsPreTraining(string folder)
    {
        var config = Path.Combine(folder, "config.json");
        return File.Exists(config) && File.ReadAllText(config).Contains("\"Wav2Vec2ForPreTraining\"");
    }

    public static TheoryData<string> CtcFolders() => Data(Folders().Where(f => !IsPreTraining(f)));
    public static TheoryData<string> PreTrainingFolders() => Data(Folders().Where(IsPreTraining));

    /// <summary>CTC folders whose feature encoder uses <paramref name="norm"/> ("group" or "layer").</summary>
    public static TheoryData<string> CtcFoldersWithNorm(string norm) =>
        Data(Folders().Where(f => !IsPreTraining(f) && File.Exists(Path.Combine(f, "config.json"))
                                  && Parp.Models.Wav2Vec2Config.FromJsonFile(Path.Combine(f, "config.json")).FeatExtractNorm == norm));

    /// <summary>(folder, format) for each CTC folder: "safetensors" always, "bin" when pytorch_model.bin is there.</summary>
    public static TheoryData<string, string> CtcFoldersAndFormats()
    {
        var data = new TheoryData<string, string>();
        foreach (var f in Folders().Where(f => !IsPreTraining(f)))
        {
            data.Add(Path.GetFileName(f), "safetensors");
            if (File.Exists(Path.Combine(f, CheckpointFiles.PyTorchBin))) data.Add(Path.GetFileName(f), "bin");
        }
        return data;
    }

    static TheoryData<string> Data(IEnumerable<string> folders)
    {
        var data = new TheoryData<string>();
        foreach (var f in folders) data.Add(Path.GetFileName(f));
        return data;
    }

    public static string PathOf(string name) => Path.Combine(Root, name);

    /// <summary>expected.safetensors of a folder, failing with the folder's name when absent or unreadable.</summary>
    public static Dictionary<string, Tensor> Expected(string name)
    {
        var path = Path.Combine(PathOf(name), "expected.safetensors");
        Assert.True(File.Exists(path), $"fixture folder '{name}' has no expected.safetensors ({path})");
        return SafetensorsFile.Read(path);
    }

    public static Tensor Get(this Dictionary<string, Tensor> d, string name, string folder)
    {
        Assert.True(d.ContainsKey(name), $"fixture '{folder}': expected.safetensors lacks '{name}'");
        return d[name];
    }

    public static double MaxAbsDiff(Tensor a, Tensor b)
    {
        Assert.Equal(b.shape, a.shape);
        return (a.to_type(ScalarType.Float64) - b.to_type(ScalarType.Float64)).abs().max().item<double>();
    }

    /// <summary>Same shape and bit-for-bit the same values.</summary>
    public static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && (a == b).all().item<bool>();

    public static double RelDiff(Tensor a, Tensor b)
    {
        double x = a.to_type(ScalarType.Float64).flatten()[0].item<double>(), y = b.to_type(ScalarType.Float64).flatten()[0].item<double>();
        return Math.Abs(x - y) / Math.Max(Math.Abs(y), 1e-12);
    }
}
