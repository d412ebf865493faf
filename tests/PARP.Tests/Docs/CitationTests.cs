using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Parp.IO;

namespace Parp.Tests.Docs;

/// <summary>
/// Every "§" citation in the code, notebooks and docs points to a section of a file in the repository: the nearest
/// Markdown path before it on the same line (or, in a Markdown file, the file itself) must exist and have that section,
/// as a heading ("## 3." / "### 3.6") or as a numbered item (item 1 under "## 11." is section 11.1; items of a file
/// without numbered headings are its sections 1, 2, ...). Nothing cites the documents the project was built from,
/// which are not in it.
/// </summary>
public class CitationTests
{
    static readonly string Root = Repository.Root();
    static readonly string[] Extensions = [".cs", ".md", ".ipynb", ".sh", ".py", ".csx", ".props", ".targets", ".csproj", ".mjs"];
    static readonly string[] Skipped = ["bin", "obj", "node_modules", ".git", "artifacts", "TestResults", ".tools", "fixtures"];
    static readonly Regex MarkdownPath = new(@"[\w./-]+\.md\b");
    // Written in pieces so that this file does not cite them itself.
    static readonly string[] Outside = ["PARP-" + "SPEC", "DESIGN" + ".md", "ENVIRONMENT" + ".md"];
    static readonly Regex Section = new(@"§\s?(\d+(?:\.\d+)*)(?:[–-](\d+(?:\.\d+)*))?");

    static IEnumerable<string> Files(string folder) =>
        Directory.EnumerateFiles(folder).Where(f => Extensions.Contains(Path.GetExtension(f)) || Path.GetFileName(f) == "run")
            .Concat(Directory.EnumerateDirectories(folder).Where(d => !Skipped.Contains(Path.GetFileName(d))).SelectMany(Files));

    // The text of a file as lines; a notebook's cells are split into their own lines.
    static IEnumerable<string> Lines(string file) => file.EndsWith(".ipynb")
        ? ((JsonArray)JsonNode.Parse(File.ReadAllText(file))!["cells"]!).SelectMany(c => Source(c!["source"]).Split('\n'))
        : File.ReadLines(file);

    static string Source(JsonNode? node) => node is JsonArray a ? string.Concat(a.Select(l => l!.GetValue<string>())) : node?.GetValue<string>() ?? "";

    /// <summary>The section numbers a Markdown file has: its numbered headings and the numbered items under them.</summary>
    static HashSet<string> Sections(string file)
    {
        var ids = new HashSet<string>();
        string? current = null;
        foreach (var line in File.ReadLines(file))
        {
            var heading = Regex.Match(line, @"^#+\s+(\d+(?:\.\d+)*)\.?\s");
            if (heading.Success) { ids.Add(heading.Groups[1].Value); current = heading.Groups[1].Value; continue; }
            var item = Regex.Match(line, @"^(\d+)\.\s");
            if (item.Success) ids.Add(current is null ? item.Groups[1].Value : $"{current}.{item.Groups[1].Value}");
        }
        return ids;
    }

    [Fact]
    public void Every_section_citation_resolves_to_a_section_of_a_file_in_the_repository()
    {
        var sections = new Dictionary<string, HashSet<string>>();
        var problems = new List<string>();
        int citations = 0;
        foreach (var file in Files(Root))
        {
            var name = Path.GetRelativePath(Root, file);
            int number = 0;
            foreach (var line in Lines(file))
            {
                number++;
                foreach (Match cite in Section.Matches(line))
                {
                    citations++;
                    var path = MarkdownPath.Matches(line[..cite.Index]).LastOrDefault()?.Value ?? (file.EndsWith(".md") ? name : null);
                    if (path is null) { problems.Add($"{name}:{number}: '{cite.Value}' names no file"); continue; }
                    var target = new[] { Path.Combine(Root, path), Path.Combine(Path.GetDirectoryName(file)!, path) }.FirstOrDefault(File.Exists);
                    if (target is null) { problems.Add($"{name}:{number}: '{path} {cite.Value}': no such file in the repository"); continue; }
                    if (!sections.TryGetValue(target, out var ids)) sections[target] = ids = Sections(target);
                    foreach (var id in new[] { cite.Groups[1].Value, cite.Groups[2].Value }.Where(v => v != ""))
                        if (!ids.Contains(id)) problems.Add($"{name}:{number}: '{path} §{id}': {path} has no section {id}");
                }
                foreach (var outside in Outside)
                    if (line.Contains(outside, StringComparison.Ordinal)) problems.Add($"{name}:{number}: cites {outside}, which is not in the repository");
            }
        }
        Assert.True(citations > 100, $"only {citations} citations found: is the scan looking in the right place?");
        Assert.True(problems.Count == 0, $"{problems.Count} citation(s) that do not resolve:\n" + string.Join("\n", problems.Take(40)));
    }
}
