using System.Security.Cryptography;
using Parp.IO;
using Parp.Tests.Support;
using Parp.Text;

namespace Parp.Tests.Text;

/// <summary>The E16 text tasks from fortune files: the strfile layout read as fortune(6) reads it, tasks made the same
/// way every time with no dev text in training, written in GLUE's layouts and read back; the committed tasks are what
/// the installed package gives.</summary>
public class FortuneTasksTests
{
    /// <summary>Runs where the installed fortune files are those data-manifests/fortunes/sources.txt records.</summary>
    public sealed class RequiresRecordedFortunesFactAttribute : FactAttribute
    {
        public RequiresRecordedFortunesFactAttribute()
        {
            if (!Directory.Exists(Fortunes.DebianFolder)) { Skip = $"{Fortunes.DebianFolder} is missing (apt-get install fortunes); CI installs it."; return; }
            var recorded = File.ReadLines(Path.Combine(Committed, "sources.txt")).Skip(1).Select(l => l.Split('\t')).ToDictionary(f => f[0], f => f[1]);
            foreach (var (collection, hash) in recorded)
            {
                var file = Path.Combine(Fortunes.DebianFolder, collection);
                if (!File.Exists(file) || Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file))) != hash)
                    Skip = $"{file} is not the file the tasks were made from (another version of the fortunes package)";
            }
        }
    }

    static readonly string Committed = Path.Combine(Repository.Root(), "data-manifests", "fortunes");

    [Fact]
    public void A_fortune_file_is_records_between_percent_lines()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("science"), "First one.\n%\n\tA tab,\n  two lines.\n\n%\n%\nLast, no closing percent\n");
        var fortunes = Fortunes.Read(dir.File("science"));
        Assert.Equal(["First one.", "\tA tab,\n  two lines.", "Last, no closing percent"], fortunes.Select(f => f.Text));
        Assert.Equal([0, 1, 2], fortunes.Select(f => f.Index));
        Assert.All(fortunes, f => Assert.Equal("science", f.Collection));
        Assert.Equal("A tab, two lines.", fortunes[1].Line);
        Assert.Contains(dir.File("none"), Assert.Throws<FileNotFoundException>(() => Fortunes.Read(dir.File("none"))).Message);
    }

    // Every collection the tasks read, with made-up fortunes in the real layout (tabs, line breaks, attributions).
    static TempDir SmallFortuneFolder()
    {
        var dir = new TempDir();
        foreach (var c in FortuneTasks.Collections)
        {
            var records = Enumerable.Range(0, 40).Select(i => $"Fortune {i} of {c} starts here.\tIt goes on in {c} with\nmore words {i}.\n\t\t-- Somebody {i}");
            File.WriteAllText(dir.File(c), string.Join("\n%\n", records) + "\n%\n");
        }
        return dir;
    }

    [Fact]
    public void Tasks_are_made_the_same_way_every_time_with_no_dev_text_in_training()
    {
        using var source = SmallFortuneFolder();
        var made = FortuneTasks.Make(source.Path);
        var again = FortuneTasks.Make(source.Path);
        Assert.Equal(FortuneTasks.All.Select(t => t.Name), made.Keys);
        foreach (var task in FortuneTasks.All)
        {
            var (train, dev) = made[task.Name];
            Assert.Equal(train, again[task.Name].Train);
            Assert.Equal(dev, again[task.Name].Dev);
            Assert.NotEmpty(train);
            Assert.NotEmpty(dev);
            Assert.All(train.Concat(dev), e =>
            {
                Assert.DoesNotContain('\t', e.TextA);
                Assert.DoesNotContain('\n', e.TextA);
                Assert.Null(e.TextB);
                Assert.Contains($" of {task.Labels[(int)e.Label]} starts", e.TextA);     // the label is the fortune's collection
            });
            Assert.Empty(dev.Select(e => e.TextA).Intersect(train.Select(e => e.TextA)));
            Assert.Equal(40 * 4, train.Count + dev.Count);
        }
    }

    [Fact]
    public void Written_tasks_read_back_as_made_and_sources_are_listed()
    {
        using var source = SmallFortuneFolder();
        using var output = new TempDir();
        FortuneTasks.Write(source.Path, output.Path, "1:1.0-1");
        var made = FortuneTasks.Make(source.Path);
        foreach (var task in FortuneTasks.All)
        {
            var (train, dev) = FortuneTasks.Load(task, "tiny", output.Path);
            Assert.Equal(made[task.Name].Train, train);
            Assert.Equal(made[task.Name].Dev, dev);
        }
        var sources = File.ReadAllLines(output.File("sources.txt"));
        Assert.Contains("fortunes 1:1.0-1", sources[0]);
        Assert.Contains($"science\t{Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(source.File("science"))))}", sources);
    }

    [Fact]
    public void The_committed_tasks_load_at_both_scales_and_smoke_holds_every_label()
    {
        foreach (var task in FortuneTasks.All)
        {
            var (train, dev) = FortuneTasks.Load(task, "tiny", Committed);
            Assert.True(train.Count > 500 && dev.Count > 100, $"{task.Name}: {train.Count} train, {dev.Count} dev");
            var (smokeTrain, smokeDev) = FortuneTasks.Load(task, "smoke", Committed);
            Assert.Equal(train.Take(64), smokeTrain);
            Assert.Equal(32, smokeDev.Count);
            Assert.Equal(task.NumLabels, smokeTrain.Select(e => e.Label).Distinct().Count());
        }
        Assert.Throws<ArgumentException>(() => FortuneTasks.Named("fortune-nonsense"));
    }

    [RequiresRecordedFortunesFact]
    public void The_committed_tasks_are_what_the_installed_package_gives()
    {
        using var output = new TempDir();
        FortuneTasks.Write(Fortunes.DebianFolder, output.Path);
        foreach (var task in FortuneTasks.All)
            foreach (var split in new[] { "train.tsv", "dev.tsv" })
                Assert.True(File.ReadAllText(Path.Combine(Committed, task.Name, split)) == File.ReadAllText(Path.Combine(output.Path, task.Name, split)), $"{task.Name}/{split} differs from what the package gives");
    }
}
