using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Parp.Notebooks;

/// <summary>
/// Papermill's convention in C#: the code cell tagged "parameters" declares the notebook's parameters
/// with defaults (<c>var scale = "tiny";</c>); the host inserts a cell tagged "injected-parameters" right
/// after it that assigns the values given on the command line. Assignment (not redeclaration) keeps the
/// declared type, so a value of the wrong type is a compile error in that cell, not a silent change.
/// </summary>
public static class NotebookParameters
{
    public const string ParametersTag = "parameters";
    public const string InjectedTag = "injected-parameters";

    /// <summary>Inserts the injected cell; returns the names the notebook does not declare.</summary>
    public static IReadOnlyList<string> Inject(NotebookDocument notebook, IReadOnlyDictionary<string, string> values)
    {
        var cells = notebook.Cells;
        int index = -1;
        for (int i = 0; i < cells.Count; i++)
            if (cells[i] is JsonObject c && NotebookDocument.TypeOf(c) == "code" && NotebookDocument.HasTag(c, ParametersTag)) { index = i; break; }
        if (index < 0)
            throw new UsageException($"{notebook.Name}: no parameters cell (a code cell tagged \"{ParametersTag}\" that declares at least `scale`)");

        var declared = Declarations(NotebookDocument.SourceOf((JsonObject)cells[index]!));
        var unknown = values.Keys.Where(k => !declared.ContainsKey(k)).ToList();
        if (unknown.Contains("scale"))
            throw new UsageException($"{notebook.Name}: the parameters cell does not declare `scale`");

        var lines = values.Where(v => declared.ContainsKey(v.Key))
            .Select(v => $"{v.Key} = {Literal(notebook.Name, v.Key, declared[v.Key], v.Value)};");
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
        cells.Insert(index + 1, injected);
        notebook.InjectedCellIndex = index + 1;
        return unknown;
    }

    // `type name = ...;` or `var name = ...;` at the start of a line.
    static readonly Regex Declaration = new(@"^\s*(?<type>[\w.<>\[\]?]+)\s+(?<name>[A-Za-z_]\w*)\s*=\s*(?<value>[^;]*);", RegexOptions.Multiline);

    static Dictionary<string, string> Declarations(string source) =>
        Declaration.Matches(source).GroupBy(m => m.Groups["name"].Value)
            .ToDictionary(g => g.Key, g => TypeName(g.First()));

    static string TypeName(Match m)
    {
        var type = m.Groups["type"].Value;
        if (type != "var") return type;
        var value = m.Groups["value"].Value.Trim();
        return value.StartsWith('"') || value.StartsWith('@') || value.StartsWith('$') ? "string" : "var";
    }

    // Strings are quoted; numbers and booleans are checked; anything else is C# source (an enum member, say).
    static string Literal(string notebook, string name, string type, string value)
    {
        string Bad(string what) => throw new UsageException($"{notebook}: parameter `{name}` is {type}; '{value}' is not {what}");
        switch (type.TrimEnd('?'))
        {
            case "string": return "@\"" + value.Replace("\"", "\"\"") + "\"";
            case "bool": return bool.TryParse(value, out var b) ? (b ? "true" : "false") : Bad("true or false");
            case "int" or "long" or "double" or "float":
                if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _)) Bad("a number");
                return type.StartsWith("float") ? value + "f" : value;
            default: return value;
        }
    }
}
