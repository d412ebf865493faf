using System.Text.Json;
using System.Text.Json.Nodes;
using Parp.Data;
using Parp.IO;
using Parp.Models.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Parp.Training;

/// <summary>Where a run is between two updates: all a resumed run needs besides the tensors.</summary>
/// <param name="Update">Updates done.</param>
/// <param name="Position">The next batch to read.</param>
/// <param name="SkippedUpdates">Updates skipped for a non-finite loss or gradient so far.</param>
/// <param name="AudioSeconds">Seconds of audio trained on so far.</param>
/// <param name="ElapsedSeconds">Wall-clock seconds of training so far, over all sessions.</param>
/// <param name="Recipe">The recipe the run was started with (JSON), compared on resume.</param>
public sealed record TrainerState(int Update, BatchPosition Position, int SkippedUpdates, double AudioSeconds,
    double ElapsedSeconds, JsonObject Recipe);

/// <summary>
/// Checkpoints of a run in <c>OUT/checkpoints/</c>: each one a folder <c>update-NNNNNNN/</c> holding
/// <c>model.safetensors</c> (state dict), <c>optimizer.safetensors</c>, <c>callbacks.safetensors</c> and
/// <c>trainer.json</c>. A folder is written under a temporary name and renamed whole; then the text file
/// <c>latest</c> is replaced atomically to point at it; only then are older folders removed. A crash at any moment
/// leaves <c>latest</c> naming a complete checkpoint. Random state needs no saving: every update reseeds its
/// generators from (seed, update), as fairseq does, so a resumed update draws what the uninterrupted one drew.
/// </summary>
public sealed class CheckpointStore(string runFolder, int keep = 2)
{
    public string Folder { get; } = Path.Combine(runFolder, "checkpoints");
    string LatestFile => Path.Combine(Folder, "latest");

    public bool HasCheckpoint => File.Exists(LatestFile);

    public void Save(nn.Module model, Adam optimizer, IReadOnlyList<ITrainingCallback> callbacks, TrainerState state)
    {
        Directory.CreateDirectory(Folder);
        AtomicFile.RemoveStaleTemporaries(Folder);   // what a killed run left half-written
        string name = $"update-{state.Update:D7}";
        string final = Path.Combine(Folder, name);
        string temp = Path.Combine(Folder, $".{name}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(temp);
        try
        {
            using var scope = NewDisposeScope();
            SafetensorsFile.Write(Path.Combine(temp, "model.safetensors"), model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().cpu()));
            SafetensorsFile.Write(Path.Combine(temp, "optimizer.safetensors"), optimizer.StateDict());
            var callbackState = new Dictionary<string, Tensor>();
            for (int i = 0; i < callbacks.Count; i++)
                foreach (var (k, v) in callbacks[i].StateToSave()) callbackState[$"{i}.{k}"] = v.detach().cpu();
            SafetensorsFile.Write(Path.Combine(temp, "callbacks.safetensors"), callbackState);
            File.WriteAllText(Path.Combine(temp, "trainer.json"), ToJson(state));
            FaultInjection.BeforePublishing(Path.Combine(final, "model.safetensors"), Path.Combine(temp, "model.safetensors"));
            if (Directory.Exists(final)) Directory.Delete(final, recursive: true); // the same update saved again (a resumed run's end)
            Directory.Move(temp, final);
        }
        catch
        {
            try { Directory.Delete(temp, recursive: true); } catch (IOException) { /* best effort */ }
            throw;
        }
        AtomicFile.WriteAllText(LatestFile, name);
        foreach (var old in Directory.GetDirectories(Folder, "update-*").Select(Path.GetFileName).Order(StringComparer.Ordinal).SkipLast(keep))
            Directory.Delete(Path.Combine(Folder, old!), recursive: true);
    }

    /// <summary>
    /// Loads the latest sound checkpoint into <paramref name="model"/>, <paramref name="optimizer"/> and the callbacks.
    /// A checkpoint whose files are damaged (truncated, unreadable) is renamed <c>damaged-update-N</c>, kept, reported
    /// on the error stream, and the one before it is used; when none is sound a <see cref="TrainingException"/> names
    /// the folder and the problem. Throws <see cref="TrainingException"/> when the checkpoint's recipe differs from
    /// <paramref name="recipe"/> (naming the fields).
    /// </summary>
    public TrainerState Restore(nn.Module model, Adam optimizer, IReadOnlyList<ITrainingCallback> callbacks, JsonObject recipe)
    {
        var (dir, state) = LatestSound();
        var differences = Differences(state.Recipe, recipe);
        if (differences.Count > 0)
            throw new TrainingException($"{dir} was made by another recipe; resuming it with this one would mix two runs. " +
                $"Differences (checkpoint → now): {string.Join("; ", differences)}. Use a new output folder or the original settings.");
        using (var scope = NewDisposeScope())
        {
            var weights = SafetensorsFile.Read(Path.Combine(dir, "model.safetensors"));
            LoadState(model, weights, Path.Combine(dir, "model.safetensors"));
            optimizer.LoadStateDict(SafetensorsFile.Read(Path.Combine(dir, "optimizer.safetensors")), Path.Combine(dir, "optimizer.safetensors"));
            var saved = SafetensorsFile.Read(Path.Combine(dir, "callbacks.safetensors"));
            for (int i = 0; i < callbacks.Count; i++)
            {
                var prefix = $"{i}.";
                callbacks[i].RestoreState(saved.Where(kv => kv.Key.StartsWith(prefix)).ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value));
            }
        }
        return state;
    }

    // The newest checkpoint whose files are whole: `latest` first, then the older ones, newest first.
    (string Folder, TrainerState State) LatestSound()
    {
        var named = File.ReadAllText(LatestFile).Trim();
        var candidates = new[] { named }.Concat(Directory.GetDirectories(Folder, "update-*").Select(Path.GetFileName)
            .Order(StringComparer.Ordinal).Reverse()!).Distinct().ToList();
        var problems = new List<string>();
        foreach (var name in candidates)
        {
            var dir = Path.Combine(Folder, name!);
            var problem = Problem(dir);
            if (problem is null) return (dir, FromJson(Path.Combine(dir, "trainer.json")));
            problems.Add(problem);
            if (!Directory.Exists(dir)) continue;
            var aside = Path.Combine(Folder, "damaged-" + name);
            if (Directory.Exists(aside)) Directory.Delete(aside, recursive: true);
            Directory.Move(dir, aside);
            Console.Error.WriteLine($"warning: {problem}; moved to {aside}, resuming from an earlier checkpoint");
        }
        throw new TrainingException($"{Folder}: no sound checkpoint to resume from ({string.Join("; ", problems)}). " +
            $"Delete {Path.GetDirectoryName(Folder)} to start the run over.");
    }

    // Null when the checkpoint's files are all there and whole; otherwise what is wrong.
    static string? Problem(string dir)
    {
        if (!Directory.Exists(dir)) return $"{dir} does not exist";
        try
        {
            FromJson(Path.Combine(dir, "trainer.json"));
            foreach (var file in new[] { "model.safetensors", "optimizer.safetensors", "callbacks.safetensors" })
                SafetensorsFile.Verify(Path.Combine(dir, file));
            return null;
        }
        catch (Exception e) when (e is CheckpointException or TrainingException or IOException)
        {
            return e.Message;
        }
    }

    static void LoadState(nn.Module model, Dictionary<string, Tensor> weights, string file)
    {
        using var _ = no_grad();
        var target = model.state_dict();
        var missing = target.Keys.Where(k => !weights.ContainsKey(k)).Take(5).ToList();
        var extra = weights.Keys.Where(k => !target.ContainsKey(k)).Take(5).ToList();
        if (missing.Count > 0 || extra.Count > 0)
            throw new TrainingException($"{file}: not this model's weights (missing: {string.Join(", ", missing)}; unexpected: {string.Join(", ", extra)})");
        foreach (var (k, t) in target)
        {
            if (!t.shape.SequenceEqual(weights[k].shape))
                throw new TrainingException($"{file}: '{k}' has shape [{string.Join(", ", weights[k].shape)}], the model [{string.Join(", ", t.shape)}]");
            t.copy_(weights[k]);
        }
    }

    // Field by field, nested objects by path ("recipe.learning_rate: 0.001 → 0.5").
    static List<string> Differences(JsonObject saved, JsonObject now, string prefix = "")
    {
        var result = new List<string>();
        foreach (var key in saved.Select(kv => kv.Key).Union(now.Select(kv => kv.Key)))
        {
            JsonNode? a = saved[key], b = now[key];
            if (a is JsonObject oa && b is JsonObject ob) result.AddRange(Differences(oa, ob, $"{prefix}{key}."));
            else if (a?.ToJsonString() != b?.ToJsonString())
                result.Add($"{prefix}{key}: {a?.ToJsonString() ?? "(absent)"} → {b?.ToJsonString() ?? "(absent)"}");
        }
        return result;
    }

    static string ToJson(TrainerState s) => new JsonObject
    {
        ["update"] = s.Update, ["epoch"] = s.Position.Epoch, ["batch"] = s.Position.Batch, ["skipped_updates"] = s.SkippedUpdates,
        ["audio_seconds"] = s.AudioSeconds, ["elapsed_seconds"] = s.ElapsedSeconds, ["recipe"] = s.Recipe.DeepClone(),
    }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    static TrainerState FromJson(string path)
    {
        if (!File.Exists(path)) throw new TrainingException($"{path} is missing");
        try
        {
            var o = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            return new TrainerState(o["update"]!.GetValue<int>(), new BatchPosition(o["epoch"]!.GetValue<int>(), o["batch"]!.GetValue<int>()),
                o["skipped_updates"]!.GetValue<int>(), o["audio_seconds"]!.GetValue<double>(), o["elapsed_seconds"]!.GetValue<double>(),
                o["recipe"]!.AsObject());
        }
        catch (Exception e) when (e is JsonException or NullReferenceException or InvalidOperationException or FormatException)
        {
            throw new TrainingException($"{path}: not a trainer state ({e.Message})", e);
        }
    }
}
