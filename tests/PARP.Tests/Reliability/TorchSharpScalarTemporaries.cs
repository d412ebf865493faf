using System.Collections.Immutable;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Parp.Tests.Reliability;

/// <summary>
/// The members of TorchSharp that make a Scalar by an implicit conversion inside TorchSharp and do not dispose it, read
/// from TorchSharp.dll's IL: <c>Tensor.add(Tensor)</c> is <c>add(other, 1)</c>, <c>tensor * 0.5</c> is <c>mul(0.5)</c>,
/// and so on, directly or through another such member. Calling one from the library is as unsafe as writing the
/// conversion ourselves. Read from the IL rather than listed by hand, so the set follows a TorchSharp upgrade.
/// Members are named as <see cref="Signature(string, string, IEnumerable{string})"/> writes them.
/// </summary>
public static class TorchSharpScalarTemporaries
{
    static readonly Lazy<ImmutableHashSet<string>> Members = new(() => Read(typeof(TorchSharp.Scalar).Assembly.Location));

    public static bool Contains(string signature) => Members.Value.Contains(signature);

    /// <summary><c>Type::Method(Param,Param)</c> with metadata names: <c>Tensor::op_Addition(Tensor,Double)</c>.</summary>
    public static string Signature(string type, string method, IEnumerable<string> parameters) => $"{type}::{method}({string.Join(",", parameters)})";

    static ImmutableHashSet<string> Read(string assembly)
    {
        using var pe = new PEReader(File.OpenRead(assembly));
        var md = pe.GetMetadataReader();
        var calls = new Dictionary<string, HashSet<string>>();
        foreach (var typeHandle in md.TypeDefinitions)
        {
            var type = md.GetTypeDefinition(typeHandle);
            foreach (var methodHandle in type.GetMethods())
            {
                var method = md.GetMethodDefinition(methodHandle);
                var name = NameOf(md, methodHandle)!;
                if (!calls.TryGetValue(name, out var callees)) calls[name] = callees = [];
                if (method.RelativeVirtualAddress != 0) callees.UnionWith(Callees(md, pe.GetMethodBody(method.RelativeVirtualAddress)));
            }
        }
        // Seeds: an implicit conversion to Scalar that the same method never disposes; then whatever calls one of those.
        bool Converts(HashSet<string> callees, string prefix) => callees.Any(c => c.StartsWith(prefix, StringComparison.Ordinal));
        var unsafeMembers = calls.Where(kv => Converts(kv.Value, "Scalar::op_Implicit(") && !Converts(kv.Value, "Scalar::Dispose(")).Select(kv => kv.Key).ToHashSet();
        for (bool grew = true; grew;)
        {
            grew = false;
            foreach (var (name, callees) in calls)
                if (!unsafeMembers.Contains(name) && callees.Any(unsafeMembers.Contains)) grew = unsafeMembers.Add(name);
        }
        return unsafeMembers.ToImmutableHashSet();
    }

    // The methods a body calls, creates objects with, or makes delegates of (a lambda runs inside its method).
    static IEnumerable<string> Callees(MetadataReader md, MethodBodyBlock body)
    {
        var il = body.GetILReader();
        while (il.RemainingBytes > 0)
        {
            int code = il.ReadByte();
            if (code == 0xFE) code = 0xFE00 | il.ReadByte();
            if (code is 0x28 or 0x6F or 0x73 or 0xFE06 or 0xFE07)   // call, callvirt, newobj, ldftn, ldvirtftn
            {
                var name = NameOf(md, MetadataTokens.EntityHandle(il.ReadInt32()));
                if (name is not null) yield return name;
            }
            else if (code == 0x45) il.Offset += 4 * il.ReadInt32();   // switch
            else il.Offset += OperandSize(code);
        }
    }

    static int OperandSize(int code) => code switch
    {
        0x0E or 0x0F or 0x10 or 0x11 or 0x12 or 0x13 or 0x1F or (>= 0x2B and <= 0x37) or 0xDE or 0xFE12 or 0xFE19 => 1,
        0xFE09 or 0xFE0A or 0xFE0B or 0xFE0C or 0xFE0D or 0xFE0E => 2,
        0x20 or 0x22 or (>= 0x38 and <= 0x44) or 0xDD or 0x27 or 0x29 or 0x70 or 0x71 or 0x72 or 0x74 or 0x75 or 0x79
            or 0x7B or 0x7C or 0x7D or 0x7E or 0x7F or 0x80 or 0x81 or 0x8C or 0x8D or 0x8F or 0xA3 or 0xA4 or 0xA5
            or 0xC2 or 0xC6 or 0xD0 or 0xFE15 or 0xFE16 or 0xFE1C => 4,
        0x21 or 0x23 => 8,
        _ => 0,
    };

    static string? NameOf(MetadataReader md, EntityHandle handle)
    {
        var types = new TypeNames();
        switch (handle.Kind)
        {
            case HandleKind.MethodDefinition:
                var definition = md.GetMethodDefinition((MethodDefinitionHandle)handle);
                return Signature(md.GetString(md.GetTypeDefinition(definition.GetDeclaringType()).Name), md.GetString(definition.Name),
                    definition.DecodeSignature(types, null).ParameterTypes);
            case HandleKind.MemberReference:
                var reference = md.GetMemberReference((MemberReferenceHandle)handle);
                if (reference.GetKind() != MemberReferenceKind.Method) return null;
                var parent = reference.Parent.Kind switch
                {
                    HandleKind.TypeReference => md.GetString(md.GetTypeReference((TypeReferenceHandle)reference.Parent).Name),
                    HandleKind.TypeDefinition => md.GetString(md.GetTypeDefinition((TypeDefinitionHandle)reference.Parent).Name),
                    HandleKind.TypeSpecification => md.GetTypeSpecification((TypeSpecificationHandle)reference.Parent).DecodeSignature(types, null).Split('<')[0],
                    _ => "?",
                };
                return Signature(parent, md.GetString(reference.Name), reference.DecodeMethodSignature(types, null).ParameterTypes);
            case HandleKind.MethodSpecification:
                return NameOf(md, md.GetMethodSpecification((MethodSpecificationHandle)handle).Method);
            default:
                return null;
        }
    }

    /// <summary>Type names as the signatures carry them, written as <see cref="ScalarLifetimeAnalyzer"/> writes Roslyn's.</summary>
    sealed class TypeNames : ISignatureTypeProvider<string, object?>
    {
        public string GetArrayType(string element, ArrayShape shape) => element + "[]";
        public string GetByReferenceType(string element) => "ref " + element;
        public string GetFunctionPointerType(MethodSignature<string> signature) => "fnptr";
        public string GetGenericInstantiation(string generic, ImmutableArray<string> arguments) => $"{generic}<{string.Join(",", arguments)}>";
        public string GetGenericMethodParameter(object? context, int index) => "!!" + index;
        public string GetGenericTypeParameter(object? context, int index) => "!" + index;
        public string GetModifiedType(string modifier, string unmodified, bool isRequired) => unmodified;
        public string GetPinnedType(string element) => element;
        public string GetPointerType(string element) => element + "*";
        public string GetPrimitiveType(PrimitiveTypeCode code) => code.ToString();
        public string GetSZArrayType(string element) => element + "[]";
        public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte kind) => reader.GetString(reader.GetTypeDefinition(handle).Name);
        public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte kind) => reader.GetString(reader.GetTypeReference(handle).Name);
        public string GetTypeFromSpecification(MetadataReader reader, object? context, TypeSpecificationHandle handle, byte kind) =>
            reader.GetTypeSpecification(handle).DecodeSignature(this, context);
    }
}
