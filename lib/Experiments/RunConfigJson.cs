using System.Text.Json.Nodes;
using Parp.Experiments.Methods;
using Parp.IO;
using Parp.Training;

namespace Parp.Experiments;

/// <summary>
/// A run written out whole and read back (a sweep's plan, <see cref="Sweeps.RunPlan"/>): the method with its settings and the
/// runs it depends on nested, the model it starts from (a folder inside the repository by its relative name, so a plan
/// made in one checkout runs in another), the recipe, the data. <see cref="RunConfig.ToJson"/> is the key's canonical
/// form and is not read back; this is. A run read back has the key of the run written.
/// </summary>
public static class RunConfigJson
{
    public static JsonObject Write(RunConfig run) => new()
    {
        ["method"] = WriteMethod(run.Method),
        ["sparsity"] = run.Sparsity,
        ["source"] = run.Source.Folder is { } folder ? new JsonObject { ["folder"] = RunConfig.SourceName(folder) } : new JsonObject { ["preset"] = run.Source.Preset },
        ["recipe"] = run.Recipe.ToJson(),
        ["corpus"] = run.CorpusScale,
        ["language"] = run.Language,
        ["train"] = run.TrainSplit,
        ["eval"] = run.EvalSplit,
    };

    /// <summary>The run <paramref name="json"/> describes; <paramref name="where"/> names it in errors (a file and a key).</summary>
    public static RunConfig Read(JsonNode json, string where)
    {
        try
        {
            var o = json.AsObject();
            var source = o["source"]!.AsObject();
            return new RunConfig(ReadMethod(o["method"]!.AsObject(), where), (double)o["sparsity"]!,
                source["folder"] is { } folder ? ModelSource.FromFolder(ModelFolder((string)folder!)) : ModelSource.Random((string)source["preset"]!),
                FineTuneRecipe.FromJson(o["recipe"]!.ToJsonString()), (string)o["corpus"]!, (string)o["language"]!, (string)o["train"]!, (string)o["eval"]!);
        }
        catch (Exception e) when (e is InvalidOperationException or NullReferenceException or FormatException or System.Text.Json.JsonException or ArgumentException)
        {
            throw new FormatException($"{where}: not a run description ({e.Message})", e);
        }
    }

    // Each method's own settings; the runs it depends on are nested whole.
    static JsonObject WriteMethod(PruningMethod method)
    {
        var json = new JsonObject { ["kind"] = method.Name };
        switch (method)
        {
            case Omp omp: json["mask_from"] = Write(omp.MaskFrom); break;
            case Imp imp: json["rewind_to"] = Write(imp.RewindTo); json["round_recipe"] = imp.RoundRecipe.ToJson(); break;
            case PruneAdjustReprune parp:
                json["interval"] = parp.Interval;
                if (parp.MaskFrom is { } from) json["mask_from"] = Write(from);
                break;
            case ProgressivePruneAdjustReprune p: json["start_sparsity"] = p.StartSparsity; json["interval"] = p.Interval; break;
            case Dense or Mpi or RandomPruning: break;
            default: throw new NotSupportedException($"method {method.Name} ({method.GetType().Name}) has no plan form: add it to {nameof(RunConfigJson)}");
        }
        return json;
    }

    static PruningMethod ReadMethod(JsonObject json, string where) => (string)json["kind"]! switch
    {
        Dense.Kind => new Dense(),
        Mpi.Kind => new Mpi(),
        RandomPruning.Kind => new RandomPruning(),
        Omp.Kind => new Omp(Read(json["mask_from"]!, where)),
        Imp.Kind => new Imp(Read(json["rewind_to"]!, where), FineTuneRecipe.FromJson(json["round_recipe"]!.ToJsonString())),
        PruneAdjustReprune.Kind => new PruneAdjustReprune((int)json["interval"]!, json["mask_from"] is { } from ? Read(from, where) : null),
        ProgressivePruneAdjustReprune.Kind => new ProgressivePruneAdjustReprune((double)json["start_sparsity"]!, (int)json["interval"]!),
        var kind => throw new FormatException($"{where}: unknown method '{kind}'"),
    };

    /// <summary>The folder <see cref="RunConfig.SourceName"/> named: relative names are inside the repository.</summary>
    public static string ModelFolder(string name) =>
        Path.IsPathRooted(name) ? name : Path.Combine(Repository.Root(), name.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>When set, a dry run appends its runs to this file (<see cref="Record"/>): how a sweep's plan gets the
    /// notebooks' own runs.</summary>
    public const string RecordVariable = "PARP_PLAN_RECORD";

    /// <summary>Appends <paramref name="runs"/> to the file <see cref="RecordVariable"/> names, if it names one: one JSON
    /// line per run, the lines written in one append.</summary>
    public static void Record(IEnumerable<RunConfig> runs) => RecordLines(runs.Select(Write));

    /// <summary>Appends one JSON line per object to the file <see cref="RecordVariable"/> names, if it names one, in one
    /// append (notebooks of a plan may record at once): the writer of speech runs and of lib/Text's runs.</summary>
    public static void RecordLines(IEnumerable<JsonNode> lines)
    {
        if (Environment.GetEnvironmentVariable(RecordVariable) is not { Length: > 0 } file) return;
        var text = string.Concat(lines.Select(l => l.ToJsonString() + "\n"));
        using var stream = new FileStream(file, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        stream.Write(System.Text.Encoding.UTF8.GetBytes(text));
    }

    /// <summary>The member that holds a run of another kind (E16's text runs, lib/Text) in a recording line or a plan: the
    /// speech runs' readers pass over it.</summary>
    public const string TextRunKey = "text_run";

    /// <summary>The speech runs a recording holds, in the order recorded (repeats included); E16's lines (a
    /// <see cref="TextRunKey"/> object) are lib/Text's to read.</summary>
    public static List<RunConfig> ReadRecording(string file) => File.ReadLines(file)
        .Select((line, i) => (line, i)).Where(x => x.line.Length > 0)
        .Select(x => (Json: JsonNode.Parse(x.line)!, x.i)).Where(x => x.Json[TextRunKey] is null)
        .Select(x => Read(x.Json, $"{file}, line {x.i + 1}")).ToList();
}
