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
                foreach (var name in NotebookParameters.Inject(notebook, options.Parameters))
                    errors.WriteLine($"warning: {notebook.Name} declares no parameter `{name}`; ignored there");
                notebooks.Add(notebook);
            }
        }
        catch (UsageException e)
        {
            errors.WriteLine($"error: {e.Message}");
            return 2;
        }

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

    /// <summary>The folder holding PARP.Notebooks.csproj, searched upwards from the running host, else the current folder.</summary>
    public static string RepositoryRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "PARP.Notebooks.csproj"))) return dir.FullName;
        return Environment.CurrentDirectory;
    }
}
