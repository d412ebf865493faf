namespace Parp.Runtime;

/// <summary>
/// What the processor can do, read from /proc/cpuinfo (Linux; elsewhere nothing is assumed). Speed on the CPU depends
/// on it: bfloat16 matrix products are several times faster than float32 with AVX-512 BF16 or AMX, and an order of
/// magnitude slower without them (emulated), so anything bf16 is decided here, never assumed.
/// </summary>
public static class Processor
{
    static readonly Lazy<(string Model, string Family, string ModelNumber, HashSet<string> Flags)> Info = new(Read);

    /// <summary>True when the processor multiplies bfloat16 natively (avx512_bf16 or amx_bf16).</summary>
    public static bool HasNativeBf16 => Info.Value.Flags.Contains("avx512_bf16") || Info.Value.Flags.Contains("amx_bf16");

    /// <summary>The model name and the flags that decide CPU speed, for benchmark output.</summary>
    public static string Description
    {
        get
        {
            var (model, family, number, flags) = Info.Value;
            var notable = new[] { "avx2", "avx512f", "avx512_bf16", "amx_bf16" }.Where(flags.Contains);
            return $"{model} (family {family}, model {number}; {string.Join(" ", notable)})";
        }
    }

    static (string, string, string, HashSet<string>) Read()
    {
        const string path = "/proc/cpuinfo";
        if (!File.Exists(path)) return (Environment.OSVersion.ToString(), "?", "?", []);
        var lines = File.ReadLines(path).TakeWhile(l => l.Length > 0).ToList();   // the first processor's block
        string Field(string name) => lines.FirstOrDefault(l => l.StartsWith(name))?.Split(':', 2)[1].Trim() ?? "?";
        return (Field("model name"), Field("cpu family"), Field("model\t"), Field("flags").Split(' ').ToHashSet());
    }
}
