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
    /// <summary>The copy of tests/fixtures/hf-wav2vec2 in the test output folder.</summary>
    public static string BuiltInRoot => Path.Combine(AppContext.BaseDirectory, "fixtures", "hf-wav2vec2");

    public static string Root
    {
        get
        {
            var env = Environment.GetEnvironmentVariable("PARP_HF_FIXTURES");
            return string.IsNullOrWhiteSpace(env) ? BuiltInRoot : env;
        }
    }

    static IEnumerable<string> Folders() =>
        Directory.Exists(Root) ? Directory.GetDirectories(Root).Order(StringComparer.Ordinal) : [];

    public static bool IsPreTraining(string folder)
    {
        var config = Path.Combine(folder, "config.json");
        return File.Exists(config) && File.ReadAllText(config).Contains("\"Wav2Vec2ForPreTraining\"");
    }

    public static TheoryData<string> PreTrainingFolders() => Data(Folders().Where(IsPreTraining));

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

    public static string PathOf(string name, bool builtIn = false) => Path.Combine(builtIn ? BuiltInRoot : Root, name);

    /// <summary>expected.safetensors of a folder, failing with the folder's name when absent or unreadable.</summary>
    public static Dictionary<string, Tensor> Expected(string name, bool builtIn = false)
    {
        var path = Path.Combine(PathOf(name, builtIn), "expected.safetensors");
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
