using Parp.IO;

namespace Parp.Tests.Reliability;

/// <summary>
/// TorchSharp 0.107 can finalise a Scalar made by an implicit conversion while LibTorch still reads it (the crash seen in
/// masked_fill and in tensor + int). These tests compile the library, the notebook host and every tool with Roslyn and
/// fail with file:line for each Scalar that is not made explicitly and kept alive for its call
/// (<see cref="ScalarLifetimeAnalyzer"/>).
/// </summary>
[Trait("Category", "Reliability")]
public class ScalarLifetimeTests
{
    static readonly string Root = Repository.Root();
    static readonly string References = AppContext.BaseDirectory;

    static IEnumerable<string> Sources(string folder) =>
        Directory.EnumerateFiles(Path.Combine(Root, folder), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            .Order(StringComparer.Ordinal);

    static void AssertSafe(ScalarLifetimeAnalyzer.Result result)
    {
        // A source that does not compile here hides its conversions: the analysis is only as good as the compilation.
        Assert.True(result.CompileErrors.Count == 0, "the sources did not compile for the analysis:\n" + string.Join("\n", result.CompileErrors.Take(20)));
        Assert.True(result.Findings.Count == 0,
            $"{result.Findings.Count} Scalar(s) that the GC may finalise while LibTorch reads them:\n" + string.Join("\n", result.Findings));
    }

    [Fact]
    public void The_library_makes_every_scalar_explicitly_and_keeps_it_alive() =>
        AssertSafe(ScalarLifetimeAnalyzer.Analyze(Root, Sources("lib"), References, executable: false, honourAllowances: false, "PARP"));

    [Fact]
    public void The_notebook_host_makes_every_scalar_explicitly_and_keeps_it_alive() =>
        AssertSafe(ScalarLifetimeAnalyzer.Analyze(Root,
            Sources("host").Append(Path.Combine(Root, "lib", "Plots", "PlotlyJs.cs")).Append(Path.Combine(Root, "lib", "IO", "AtomicFile.cs")),
            References, executable: true, honourAllowances: false, "parp-notebooks"));

    public static TheoryData<string> Tools() =>
        new(Directory.GetDirectories(Path.Combine(Root, "tools")).Select(Path.GetFileName).Order(StringComparer.Ordinal)!);

    [Theory]
    [MemberData(nameof(Tools))]
    public void Every_tool_makes_every_scalar_explicitly_and_keeps_it_alive(string tool) =>
        // A benchmark may time TorchSharp's own unsafe members (its Adam), on a line that says so.
        AssertSafe(ScalarLifetimeAnalyzer.Analyze(Root, Sources(Path.Combine("tools", tool)), References, executable: true,
            honourAllowances: true, "parp-notebooks"));

    // The analyser itself: each unsafe form (marked "// unsafe") is found on its line, and each safe form passes.
    [Fact]
    public void The_analysis_finds_each_unsafe_form_and_accepts_the_safe_ones()
    {
        using var dir = new Support.TempDir();
        var source = dir.File("Sample.cs");
        File.WriteAllText(source, """
            using Parp.Runtime;
            using TorchSharp;
            using static TorchSharp.torch;
            static class Sample
            {
                static readonly Scalar Half = 0.5.ToScalar();
                static Scalar Cached { get; } = 2.ToScalar();
                static Scalar Computed => 3.ToScalar();
                static void Unsafe(Tensor t, Tensor m, double x)
                {
                    var a = t + 1;                              // unsafe
                    var b = t * 0.5;                            // unsafe
                    t.masked_fill_(m, 0);                       // unsafe
                    t.clamp_(min: 0);                           // unsafe
                    var c = t.pow(2);                           // unsafe
                    t.fill_(x);                                 // unsafe
                    t.mul_(x.ToScalar());                       // unsafe
                    var s = x.ToScalar();
                    t.mul_(s);                                  // unsafe
                    t += 3;                                     // unsafe
                    var d = t + m;                              // unsafe
                    t.add_(m);                                  // unsafe
                    t.mul_(Computed);                           // unsafe
                    var e = arange(10);                         // unsafe
                }
                static void Safe(Tensor t, Tensor m, double x, Scalar given)
                {
                    using var s = x.ToScalar();
                    t.mul_(s);
                    t.add_(Half, ScalarMath.One).mul_(Cached).sub_(given);
                    using (var zero = 0.ToScalar()) t.masked_fill_(m, zero);
                    var d = t.clamp(min: null);
                    var e = t.Plus(m).Times(0.5) - m;
                }
            }
            """);
        var result = ScalarLifetimeAnalyzer.Analyze(dir.Path, [source], References, executable: false, honourAllowances: false);

        Assert.Empty(result.CompileErrors);
        var expected = File.ReadAllLines(source).Select((line, i) => (line, i)).Where(l => l.line.EndsWith("// unsafe")).Select(l => l.i + 1).ToList();
        Assert.Equal(expected, result.Findings.Select(f => f.Line).Distinct().Order());
        Assert.Contains(result.Findings, f => f.Code.StartsWith("t.masked_fill_(m, 0)") && f.Why.Contains("implicit conversion of int to Scalar"));
        Assert.Contains(result.Findings, f => f.Code.StartsWith("t.mul_(x.ToScalar())") && f.Why.Contains("temporary"));
        Assert.Contains(result.Findings, f => f.Code.StartsWith("t.mul_(s)") && f.Why.Contains("'s'"));
        Assert.Contains(result.Findings, f => f.Code.StartsWith("var d = t + m") && f.Why.Contains("Tensor.op_Addition(Tensor, Tensor)"));
        Assert.All(result.Findings, f => Assert.Equal("Sample.cs", f.File));
    }
}
