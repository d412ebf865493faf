using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace Parp.Tests.Reliability;

/// <summary>
/// Finds every place where a <c>TorchSharp.Scalar</c> may be finalised while LibTorch still reads it. TorchSharp 0.107
/// passes a Scalar's native handle to LibTorch and then holds no reference to the Scalar, so a Scalar that nothing
/// else references (a temporary, the result of an implicit conversion such as <c>tensor + 1</c>) can be finalised by
/// the GC in the middle of the call (dotnet/TorchSharp pull requests 1434 and 1496). The rule the library follows:
/// every Scalar is made explicitly (<c>x.ToScalar()</c>) and handed to TorchSharp only through something that outlives
/// the call: a <c>using</c> local, a field, an auto-property, or a parameter (whose caller keeps it).
/// </summary>
public static class ScalarLifetimeAnalyzer
{
    /// <summary>One finding: where, the code, and why it is unsafe.</summary>
    public sealed record Finding(string File, int Line, string Code, string Why)
    {
        public override string ToString() => $"{File}:{Line}: {Why}: {Code}";
    }

    /// <summary>A set of sources compiled together (a project), with the problems of compiling them.</summary>
    public sealed record Result(IReadOnlyList<Finding> Findings, IReadOnlyList<string> CompileErrors);

    // The SDK's implicit usings (ImplicitUsings=enable in Directory.Build.props).
    const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    /// <summary>A line that ends with this comment and a reason is not reported (for benchmarks of TorchSharp itself).</summary>
    public const string Allowance = "// unsafe Scalar allowed:";

    /// <summary>
    /// Compiles <paramref name="files"/> against the runtime and the assemblies in <paramref name="referenceFolder"/>
    /// (except those named in <paramref name="excludeAssemblies"/>, which the sources themselves define or which would
    /// clash with them) and analyses them. File names in findings are relative to <paramref name="root"/>. Lines marked
    /// with <see cref="Allowance"/> are skipped only when <paramref name="honourAllowances"/> is set.
    /// </summary>
    public static Result Analyze(string root, IEnumerable<string> files, string referenceFolder, bool executable, bool honourAllowances,
        params string[] excludeAssemblies)
    {
        var trees = files.Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f),
                new CSharpParseOptions(LanguageVersion.Preview), path: Path.GetRelativePath(root, f)))
            .Append(CSharpSyntaxTree.ParseText(ImplicitUsings, new CSharpParseOptions(LanguageVersion.Preview), path: "ImplicitUsings.g.cs"))
            .ToList();
        var compilation = CSharpCompilation.Create("analysed", trees, References(referenceFolder, excludeAssemblies),
            new CSharpCompilationOptions(executable ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true));
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()).ToList();
        var scalar = compilation.GetTypeByMetadataName("TorchSharp.Scalar");
        if (scalar is null) return new Result([], [.. errors, "TorchSharp.Scalar is not among the references"]);
        var findings = trees.SelectMany(t => Analyze(compilation.GetSemanticModel(t), scalar)).Distinct()
            .Where(f => !(honourAllowances && f.Code.Contains(Allowance, StringComparison.Ordinal))).ToList();
        return new Result(findings, errors);
    }

    static List<MetadataReference> References(string folder, string[] exclude)
    {
        var runtime = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        var byName = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var path in runtime.Concat(Directory.GetFiles(folder, "*.dll")))
            byName.TryAdd(Path.GetFileNameWithoutExtension(path), path);
        foreach (var name in exclude) byName.Remove(name);
        return byName.Values.Where(IsManaged).Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToList();
    }

    static bool IsManaged(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var pe = new System.Reflection.PortableExecutable.PEReader(stream);
            return pe.HasMetadata;
        }
        catch (BadImageFormatException) { return false; }
    }

    static IEnumerable<Finding> Analyze(SemanticModel model, INamedTypeSymbol scalar)
    {
        var root = model.SyntaxTree.GetRoot();
        foreach (var node in root.DescendantNodes())
        {
            // 1. Any implicit conversion of a number (or anything else) to a Scalar: the Scalar it makes is a temporary.
            if (node is ExpressionSyntax expression && node.Parent is not ParenthesizedExpressionSyntax)
            {
                var type = model.GetTypeInfo(expression);
                if (IsScalar(type.ConvertedType, scalar) && !IsScalar(type.Type, scalar) && type.Type is not null
                    && model.GetConversion(expression) is { IsUserDefined: true, IsImplicit: true })
                    yield return Make(expression, $"implicit conversion of {type.Type.ToDisplayString()} to Scalar");
            }

            // 2. A Scalar handed to a method or an operator must outlive the call.
            var operation = model.GetOperation(node);
            var handed = operation switch
            {
                IArgumentOperation a when IsScalar(a.Parameter?.Type, scalar) => [a.Value],
                IBinaryOperation { OperatorMethod: { } m } b => Operands(m, b.LeftOperand, b.RightOperand, scalar),
                ICompoundAssignmentOperation { OperatorMethod: { } m } c => Operands(m, c.Target, c.Value, scalar),
                _ => Array.Empty<IOperation>(),
            };
            foreach (var value in handed)
                if (Unsafe(value, scalar) is { } why) yield return Make(value.Syntax, why);

            // 3. A TorchSharp member that makes such a temporary itself (Tensor.add(Tensor) is add(other, 1)).
            var called = operation switch
            {
                IInvocationOperation i => i.TargetMethod,
                IObjectCreationOperation c => c.Constructor,
                IBinaryOperation b => b.OperatorMethod,
                IUnaryOperation u => u.OperatorMethod,
                ICompoundAssignmentOperation c => c.OperatorMethod,
                IMethodReferenceOperation m => m.Method,
                IPropertyReferenceOperation p => p.Property.GetMethod,
                _ => null,
            };
            if (called is not null && called.ContainingAssembly?.Name == "TorchSharp" && TorchSharpScalarTemporaries.Contains(Signature(called)))
                yield return Make(node, $"TorchSharp's {called.ContainingType.Name}.{called.Name}({string.Join(", ", called.Parameters.Select(p => p.Type.Name))}) converts a number to a temporary Scalar inside");
        }
    }

    // The member as TorchSharpScalarTemporaries names metadata: Tensor::op_Addition(Tensor,Double).
    static string Signature(IMethodSymbol method)
    {
        method = (method.ReducedFrom ?? method).OriginalDefinition;
        return TorchSharpScalarTemporaries.Signature(method.ContainingType.MetadataName, method.MetadataName,
            method.Parameters.Select(p => (p.RefKind == RefKind.None ? "" : "ref ") + TypeName(p.Type)));
    }

    static string TypeName(ITypeSymbol type) => type switch
    {
        IArrayTypeSymbol array => TypeName(array.ElementType) + "[]",
        IPointerTypeSymbol pointer => TypeName(pointer.PointedAtType) + "*",
        ITypeParameterSymbol parameter => (parameter.TypeParameterKind == TypeParameterKind.Method ? "!!" : "!") + parameter.Ordinal,
        INamedTypeSymbol { IsGenericType: true } generic => $"{generic.MetadataName}<{string.Join(",", generic.TypeArguments.Select(TypeName))}>",
        _ => type.MetadataName,
    };

    static IOperation[] Operands(IMethodSymbol op, IOperation left, IOperation right, INamedTypeSymbol scalar) =>
        op.Parameters.Length != 2 ? [] :
        new[] { (op.Parameters[0], left), (op.Parameters[1], right) }.Where(p => IsScalar(p.Item1.Type, scalar)).Select(p => p.Item2).ToArray();

    // Null when the value outlives the call; otherwise why it may not.
    static string? Unsafe(IOperation value, INamedTypeSymbol scalar)
    {
        // Reference and nullable conversions keep the object; a user-defined implicit one is reported by rule 1.
        while (value is IConversionOperation { Conversion.IsUserDefined: false } c) value = c.Operand;
        if (value is IConversionOperation { IsImplicit: true, Conversion.IsUserDefined: true }) return null;
        return value switch
        {
            ILocalReferenceOperation { Local.IsUsing: true } => null,
            ILocalReferenceOperation l => $"Scalar local '{l.Local.Name}' is not a using variable (the GC may finalise it during the call)",
            IFieldReferenceOperation or IParameterReferenceOperation => null,
            IPropertyReferenceOperation p when IsAutoProperty(p.Property) => null,
            ILiteralOperation { ConstantValue: { HasValue: true, Value: null } } or IDefaultValueOperation => null,
            _ => "a temporary Scalar (keep it in a using variable or a field for the call)",
        };
    }

    static bool IsAutoProperty(IPropertySymbol property) =>
        property.DeclaringSyntaxReferences.Select(r => r.GetSyntax()).OfType<PropertyDeclarationSyntax>().Any(p =>
            p.ExpressionBody is null && p.AccessorList is { } accessors && accessors.Accessors.All(a => a.Body is null && a.ExpressionBody is null));

    static bool IsScalar(ITypeSymbol? type, INamedTypeSymbol scalar) =>
        type is not null && SymbolEqualityComparer.Default.Equals(type.WithNullableAnnotation(NullableAnnotation.NotAnnotated), scalar);

    static Finding Make(SyntaxNode node, string why)
    {
        var span = node.GetLocation().GetLineSpan();
        var line = node.SyntaxTree.GetText().Lines[span.StartLinePosition.Line].ToString().Trim();
        return new Finding(span.Path, span.StartLinePosition.Line + 1, line, why);
    }
}
