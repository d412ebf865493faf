namespace Parp.Notebooks;

/// <summary>The host's main job: parse, load every notebook (so bad input fails before any work), run, report.</summary>
public static class HostProgram
{
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter errors)
    {
        if (args.Contains("-h") || args.Contains("--help"))
        {
            output.WriteLine(HostOptions.Usage);
            return 0;
        }

        HostOptions options;
        var notebooks = new List<NotebookDocument>();
        try
        {
            options = HostOptions.Parse(args, RepositoryRoot());
            foreach (var path in options.Notebooks)
            {
                var notebook = NotebookDocument.Load(path);
                NotebookParameters.Inject(notebook, options.Parameters);
                notebooks.Add(notebook);
            }
            CheckEveryParameterIsDeclared(options, notebooks, errors);
        }
        catch (UsageException e)
        {
            errors.WriteLine($"error: {e.Message}");
            return 2;
        }

        // The library reads where outputs go from these (Parp.IO.Artifacts); set for the notebooks, restored after.
        using var environment = new EnvironmentScope(("PARP_ARTIFACTS", options.Artifacts), ("PARP_CACHE", options.Cache));
        var started = DateTimeOffset.UtcNow;
        var executedFolder = Path.Combine(options.Artifacts, "notebooks");
        output.WriteLine($"Running {notebooks.Count} notebook(s) at scale '{options.Scale}'");

        var runs = new List<NotebookRun>();
        var executor = new NotebookExecutor(output);
        foreach (var notebook in notebooks)
        {
            output.WriteLine(notebook.Name);
            var run = await executor.RunAsync(notebook);
            runs.Add(run);
            notebook.Save(Path.Combine(executedFolder, Path.ChangeExtension(notebook.Name, ".ipynb")));
            if (!run.Succeeded) break;
        }

        if (options.Report)
        {
            var reportPath = Path.Combine(options.Artifacts, "report.html");
            HtmlReport.Write(reportPath, runs, options, started);
            output.WriteLine($"Report: {reportPath}");
        }
        output.WriteLine($"Executed notebooks: {executedFolder}");

        if (runs[^1].Failure is { } failure)
        {
            var name = Path.GetRelativePath(Environment.CurrentDirectory, runs[^1].Notebook.Path);
            if (name.StartsWith("..")) name = runs[^1].Notebook.Path;
            // The message without the scripting engine's stack frames; the executed notebook keeps them all.
            var message = string.Join("\n", failure.Error.Split('\n').TakeWhile(l => !l.TrimStart().StartsWith("at ") && !l.StartsWith("---")));
            errors.WriteLine($"error: {name}, cell {failure.CellNumber} failed: {message.TrimEnd()}");
            return 1;
        }
        output.WriteLine($"All {runs.Count} notebook(s) ran in {(DateTimeOffset.UtcNow - started).TotalSeconds:F1} s");
        return 0;
    }

    // A -p name that no notebook of this run declares is a typo; one that only some declare applies to those.
    static void CheckEveryParameterIsDeclared(HostOptions options, List<NotebookDocument> notebooks, TextWriter errors)
    {
        var declared = notebooks.ToDictionary(n => n, n => NotebookParameters.Declared(n));
        foreach (var (name, value) in options.Parameters.Where(p => p.Key != "scale"))
        {
            var declaring = notebooks.Where(n => declared[n].ContainsKey(name)).ToList();
            if (declaring.Count == 0)
                throw new UsageException($"parameter {name}={value}: no notebook here declares `{name}`; " +
                    $"allowed: {string.Join(", ", declared.Values.SelectMany(d => d.Keys).Distinct().Order(StringComparer.Ordinal))}");
            if (declaring.Count < notebooks.Count)
                errors.WriteLine($"note: `{name}` applies to {string.Join(", ", declaring.Select(n => n.Name))}; the other notebooks do not declare it");
        }
    }

    /// <summary>The folder holding PARP.Notebooks.csproj, searched upwards from the running host, else the current folder.</summary>
    public static string RepositoryRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "PARP.Notebooks.csproj"))) return dir.FullName;
        return Environment.CurrentDirectory;
    }
}

/// <summary>Sets environment variables for a while and puts the previous values back.</summary>
sealed class EnvironmentScope : IDisposable
{
    readonly List<(string Name, string? Previous)> saved = [];

    public EnvironmentScope(params (string Name, string Value)[] variables)
    {
        foreach (var (name, value) in variables)
        {
            saved.Add((name, Environment.GetEnvironmentVariable(name)));
            Environment.SetEnvironmentVariable(name, value);
        }
    }

    public void Dispose()
    {
        foreach (var (name, previous) in saved) Environment.SetEnvironmentVariable(name, previous);
    }
}
