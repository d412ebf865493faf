using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Parp.Data;
using Parp.IO;

namespace Parp.Text;

/// <summary>One fortune: its collection (the file's name), its place in the file (from 0), its text as written.</summary>
public sealed record Fortune(string Collection, int Index, string Text)
{
    /// <summary>The text on one line: every run of whitespace (tabs and line breaks too) one space.</summary>
    public string Line => Fortunes.Clean(Text);
}

/// <summary>The fortune files Debian's <c>fortunes</c> package ships (BSD licence): the strfile source layout, records
/// separated by lines that hold only <c>%</c>.</summary>
public static class Fortunes
{
    /// <summary>Where the package puts them.</summary>
    public const string DebianFolder = "/usr/share/games/fortunes";

    /// <summary>The fortunes of <paramref name="file"/> in order, empty records skipped; the collection is the file's name.</summary>
    public static List<Fortune> Read(string file)
    {
        if (!File.Exists(file)) throw new FileNotFoundException($"{file}: no such fortune file (Debian's fortunes package: apt-get install fortunes)", file);
        var collection = Path.GetFileName(file);
        var fortunes = new List<Fortune>();
        var record = new StringBuilder();
        void Close()
        {
            var text = record.ToString().Trim('\n', '\r');
            if (text.Trim().Length > 0) fortunes.Add(new Fortune(collection, fortunes.Count, text));
            record.Clear();
        }
        foreach (var line in File.ReadLines(file, Encoding.UTF8))
        {
            if (line.TrimEnd() == "%") Close();
            else record.Append(line).Append('\n');
        }
        Close();
        return fortunes;
    }

    /// <summary>Text on one line, as a TSV field holds it: whitespace runs become one space.</summary>
    public static string Clean(string text) => Whitespace.Replace(text, " ").Trim();

    static readonly Regex Whitespace = new(@"\s+", RegexOptions.Compiled);
}

/// <summary>
/// The text tasks of the <c>tiny</c> and <c>smoke</c> scales of E16: real text classification made from Debian's
/// fortune files, in SST-2's TSV layout so that <see cref="GlueTask.Read"/> reads them as it reads GLUE. Three tasks of
/// one kind on disjoint collections (a pair task, "are these two halves one fortune?" or "one collection?", stayed at
/// chance with the tiny model, so none is kept).
/// <list type="bullet">
/// <item><c>fortune-topic</c> (one text, SST-2's layout): which of four collections a fortune comes from.</item>
/// <item><c>fortune-theme</c> (one text): which of four other collections (art, linux, startrek, law) a fortune comes
/// from.</item>
/// <item><c>fortune-life</c> (one text): which of food, sports, education and drugs.</item>
/// </list>
/// A fortune's split (dev: one in five) is decided by a hash of its text, so every task puts it on the same side; negatives are drawn within a split, so no dev text is seen in training.
/// </summary>
public static class FortuneTasks
{
    public static readonly GlueTask Topic = new("fortune-topic", 0, null, 1, true, ["computers", "politics", "science", "songs-poems"], ["accuracy"]);
    public static readonly GlueTask Theme = new("fortune-theme", 0, null, 1, true, ["art", "linux", "startrek", "law"], ["accuracy"]);
    public static readonly GlueTask Life = new("fortune-life", 0, null, 1, true, ["food", "sports", "education", "drugs"], ["accuracy"]);

    public static IReadOnlyList<GlueTask> All { get; } = [Topic, Theme, Life];

    /// <summary>The collections the tasks read: each task's four.</summary>
    public static IReadOnlyList<string> Collections { get; } = [.. Topic.Labels, .. Theme.Labels, .. Life.Labels];

    /// <summary>The task named <paramref name="name"/>.</summary>
    public static GlueTask Named(string name) => All.FirstOrDefault(t => t.Name == name)
        ?? throw new ArgumentException($"text task '{name}': allowed: {string.Join(", ", All.Select(t => t.Name))}");

    /// <summary>True when the fortune is in the dev split: one in five, by a hash of its text, so that a fortune two
    /// collections share is on the same side in both.</summary>
    public static bool IsDev(Fortune f) => SHA256.HashData(Encoding.UTF8.GetBytes(f.Line))[0] % 5 == 0;

    /// <summary>Every task's train and dev examples, made from the fortune files in <paramref name="folder"/>.</summary>
    public static Dictionary<string, (List<GlueExample> Train, List<GlueExample> Dev)> Make(string folder)
    {
        var fortunes = Collections.ToDictionary(c => c, c => Fortunes.Read(Path.Combine(folder, c)));
        var made = new Dictionary<string, (List<GlueExample>, List<GlueExample>)>();
        foreach (var task in All)
        {
            var splits = new[] { false, true }.Select(dev =>
            {
                var chosen = fortunes.ToDictionary(kv => kv.Key, kv => kv.Value.Where(f => IsDev(f) == dev).ToList());
                var random = new DeterministicRandom(DeterministicRandom.Mix(All.ToList().IndexOf(task), dev ? 1 : 0, 2337));
                var examples = TopicExamples(task, chosen);
                // Shuffled, so that the first examples (smoke's) hold every label.
                for (int i = examples.Count - 1; i > 0; i--)
                {
                    int j = random.Next(0, i + 1);
                    (examples[i], examples[j]) = (examples[j], examples[i]);
                }
                return examples;
            }).ToList();
            made[task.Name] = (splits[0], splits[1]);
        }
        return made;
    }

    static List<GlueExample> TopicExamples(GlueTask task, Dictionary<string, List<Fortune>> fortunes) =>
        task.Labels.SelectMany((collection, label) => fortunes[collection].Select(f => f.Line).Where(Words3)
            .Select(text => new GlueExample(text, null, label))).ToList();

    static bool Words3(string text) => text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length >= 3;

    /// <summary>
    /// Writes every task as <c>TASK/train.tsv</c> and <c>TASK/dev.tsv</c> under <paramref name="outFolder"/> (atomically),
    /// and <c>sources.txt</c>: the fortune files read, with their SHA-256, and the package's version when dpkg knows it.
    /// </summary>
    public static void Write(string fortuneFolder, string outFolder, string? packageVersion = null)
    {
        foreach (var (name, (train, dev)) in Make(fortuneFolder))
        {
            var task = Named(name);
            foreach (var (split, examples) in new[] { ("train", train), ("dev", dev) })
                AtomicFile.WriteAllText(Path.Combine(outFolder, name, split + ".tsv"), Tsv(task, examples));
        }
        var sources = new StringBuilder();
        sources.AppendLine(CultureInfo.InvariantCulture, $"# fortune files read (Debian package fortunes{(packageVersion is null ? "" : " " + packageVersion)}, BSD licence; see README.md)");
        foreach (var c in Collections)
            sources.AppendLine(CultureInfo.InvariantCulture, $"{c}\t{Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(fortuneFolder, c))))}");
        AtomicFile.WriteAllText(Path.Combine(outFolder, "sources.txt"), sources.ToString());
    }

    /// <summary>A task's examples in its TSV layout (header, then one example per line; tabs cannot occur in a field).</summary>
    public static string Tsv(GlueTask task, IEnumerable<GlueExample> examples)
    {
        var s = new StringBuilder(task.TextB is null ? "sentence\tlabel\n" : "index\tsentence1\tsentence2\tlabel\n");
        int index = 0;
        foreach (var e in examples)
        {
            var label = task.Labels[(int)e.Label];
            s.Append(task.TextB is null ? $"{e.TextA}\t{label}\n" : $"{index++}\t{e.TextA}\t{e.TextB}\t{label}\n");
        }
        return s.ToString();
    }

    /// <summary>
    /// A task's examples at a scale, read from <paramref name="manifests"/> (default: the repository's
    /// <c>data-manifests/fortunes</c>): every example at <c>tiny</c> and <c>paper</c>, the first 64 training and 32 dev
    /// examples at <c>smoke</c>.
    /// </summary>
    public static (List<GlueExample> Train, List<GlueExample> Dev) Load(GlueTask task, string scale, string? manifests = null)
    {
        manifests ??= Path.Combine(Repository.Root(), "data-manifests", "fortunes");
        var train = task.Read(Path.Combine(manifests, task.Name, "train.tsv"));
        var dev = task.Read(Path.Combine(manifests, task.Name, "dev.tsv"));
        return scale == "smoke" ? (train.Take(64).ToList(), dev.Take(32).ToList()) : (train, dev);
    }
}
