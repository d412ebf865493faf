using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Parp.Experiments;

namespace Parp.Notebooks;

/// <summary>
/// Papermill's convention in C#: the code cell tagged "parameters" declares the notebook's parameters
/// with defaults (<c>var scale = "tiny";</c>, <c>double[] sparsities = [];</c>); the host inserts a cell tagged
/// "injected-parameters" right after it that assigns the values given on the command line. Assignment (not
/// redeclaration) keeps the declared type; an array takes a comma-separated list (<c>-p sparsities=0.5,0.7</c>, empty
/// for none). Every value is checked first, against its declared type and the rules of <see cref="ParameterRules"/>,
/// so a bad value stops the host before any notebook runs.
/// </summary>
public static class NotebookParameters
{
    public const string ParametersTag = "parameters";
    public const string InjectedTag = "injected-parameters";

    /// <summary>A declared parameter: its C# type (inferred from the literal for <c>var</c>) and its default's text.</summary>
    public sealed record Declaration(string Type, string Default);

    /// <summary>The parameters a notebook's parameters cell declares, by name.</summary>
    public static IReadOnlyDictionary<string, Declaration> Declared(NotebookDocument notebook)
    {
        var cell = ParametersCell(notebook, out _);
        return Declarations(NotebookDocument.SourceOf(cell));
    }

    /// <summary>
    /// Checks the values this notebook declares and inserts the injected cell. Throws <see cref="UsageException"/>, one
    /// line naming the parameter, the value and what is allowed, for a value of the wrong type or outside its rule.
    /// </summary>
    public static void Inject(NotebookDocument notebook, IReadOnlyDictionary<string, string> values)
    {
        var parameters = ParametersCell(notebook, out int index);
        var declared = Declarations(NotebookDocument.SourceOf(parameters));
        if (!declared.ContainsKey("scale"))
            throw new UsageException($"{notebook.Name}: the parameters cell does not declare `scale`");

        var lines = values.Where(v => declared.ContainsKey(v.Key))
            .Select(v => $"{v.Key} = {Literal(notebook.Name, v.Key, declared[v.Key], v.Value)};").ToList();
        var injected = new JsonObject
        {
            ["cell_type"] = "code",
            ["metadata"] = new JsonObject
            {
                ["tags"] = new JsonArray(InjectedTag),
                ["dotnet_interactive"] = new JsonObject { ["language"] = "csharp" },
            },
            ["source"] = "// Parameters injected by the notebook host\n" + string.Join("\n", lines),
            ["outputs"] = new JsonArray(),
            ["execution_count"] = null,
        };
        notebook.Cells.Insert(index + 1, injected);
        notebook.InjectedCellIndex = index + 1;
    }

    static JsonObject ParametersCell(NotebookDocument notebook, out int index)
    {
        var cells = notebook.Cells;
        for (index = 0; index < cells.Count; index++)
            if (cells[index] is JsonObject c && NotebookDocument.TypeOf(c) == "code" && NotebookDocument.HasTag(c, ParametersTag)) return c;
        throw new UsageException($"{notebook.Name}: no parameters cell (a code cell tagged \"{ParametersTag}\" that declares at least `scale`)");
    }

    // `type name = value;` or `var name = value;` at the start of a line.
    static readonly Regex DeclarationPattern = new(@"^\s*(?<type>[\w.<>\[\]?]+)\s+(?<name>[A-Za-z_]\w*)\s*=\s*(?<value>[^;]*);", RegexOptions.Multiline);

    static Dictionary<string, Declaration> Declarations(string source) =>
        DeclarationPattern.Matches(source).GroupBy(m => m.Groups["name"].Value)
            .ToDictionary(g => g.Key, g => new Declaration(TypeName(g.First()), DefaultText(g.First().Groups["value"].Value.Trim())));

    // `var` takes the type of its literal, as the compiler does: "…" string, true/false bool, 12 int, 0.5 double.
    static string TypeName(Match m)
    {
        var type = m.Groups["type"].Value;
        if (type != "var") return type;
        var value = m.Groups["value"].Value.Trim();
        if (value.StartsWith('"') || value.StartsWith('@') || value.StartsWith('$')) return "string";
        if (value is "true" or "false") return "bool";
        if (int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)) return "int";
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _)) return "double";
        return "var";
    }

    // The default as a command-line value would spell it: a string literal without its quotes, an empty array as nothing.
    static string DefaultText(string literal) =>
        literal.Length >= 2 && literal.StartsWith('"') && literal.EndsWith('"') ? literal[1..^1]
        : literal.Replace(" ", "") is "[]" or "{}" ? "" : literal;

    // Checks the value against its type and rule; strings are quoted, numbers and booleans written as C#.
    static string Literal(string notebook, string name, Declaration declaration, string value)
    {
        string Bad(string what) => throw new UsageException($"parameter {name}={value}: {what}");
        var type = declaration.Type.TrimEnd('?');
        if (ParameterRules.Problem(name, value, declaration.Default) is { } problem) Bad(problem);
        if (type.EndsWith("[]", StringComparison.Ordinal))
        {
            var element = new Declaration(type[..^2], "");
            var items = value == "" ? [] : value.Split(',').Select(item => Literal(notebook, name, element, item.Trim()));
            return "[" + string.Join(", ", items) + "]";
        }
        switch (type)
        {
            case "string": return "@\"" + value.Replace("\"", "\"\"") + "\"";
            case "bool": return bool.TryParse(value, out var b) ? (b ? "true" : "false") : Bad($"not true or false ({notebook} declares {name} as bool)");
            case "int" or "long":
                return long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) && (type == "long" || n is >= int.MinValue and <= int.MaxValue)
                    ? n.ToString(CultureInfo.InvariantCulture) : Bad($"not a whole number ({notebook} declares {name} as {type})");
            case "double" or "float":
                return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && double.IsFinite(x)
                    ? x.ToString("R", CultureInfo.InvariantCulture) + (type == "float" ? "f" : "") : Bad($"not a number ({notebook} declares {name} as {type})");
            default: return value;
        }
    }
}
