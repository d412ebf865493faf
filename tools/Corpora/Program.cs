using System.Diagnostics;
using Parp.Data.Corpora;
using Parp.Data.Datasets;

// parp-corpora build|generate|stats [--scale tiny|smoke] [--lang all|en,es,...] [-j N]
//   build     make sentences from the text sources, synthesise, write data-manifests/CORPUS/LANG/* (the recipe)
//   generate  regenerate the cached audio from the committed manifests (what users and CI run)
//   stats     hours, RMS and peak per split, from the cached audio
// parp-corpora librispeech --out DIR [--finetuning DIR/librispeech_finetuning] [--librispeech DIR/LibriSpeech]
// parp-corpora commonvoice --out DIR --dir CV/LANG --lang es [--table train.tsv] [--name train] [--phones F] [--subset F]
// parp-corpora fortunes [--from /usr/share/games/fortunes] [--out data-manifests/fortunes]
//   the E16 text tasks of the tiny and smoke scales from Debian's fortune files (Parp.Text.FortuneTasks)

var command = args.FirstOrDefault() ?? "help";
string Option(string name, string fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}
var scale = Option("--scale", "tiny");
var langs = Option("--lang", "all") is var l && l == "all" ? CorpusLanguage.All.Select(x => x.Code).ToArray() : l.Split(',');
int jobs = int.Parse(Option("-j", Environment.ProcessorCount.ToString()));
var paths = CorpusPaths.Default();
var progress = new Progress<CorpusProgress>(p => Console.Error.Write($"\r{p}   "));
var clock = Stopwatch.StartNew();

switch (command)
{
    case "build":
        foreach (var code in langs)
        {
            var language = CorpusLanguage.Get(code);
            var recipe = CorpusRecipe.ForScale(scale, code);
            var text = TextSources.Collect(language);
            Console.Error.WriteLine($"{code}: {text.Sentences.Count} sentences, {text.Words.Count} words from {language.TextSource}");
            var sentences = TextSources.WithWordSequences(text, 3000, recipe.Seed);
            var builder = new CorpusBuilder(language, recipe, paths, jobs, progress);
            builder.Build(sentences);
            if (builder.LanguageSwitches > 0)
                Console.Error.WriteLine($"\n{code}: left out {builder.LanguageSwitches} utterances that espeak-ng read partly as another language");
            WriteSourceList(language, recipe, text);
            Console.Error.WriteLine($"\n{code}: built in {clock.Elapsed.TotalSeconds:F0} s");
        }
        break;
    case "fortunes":
    {
        var from = Option("--from", Parp.Text.Fortunes.DebianFolder);
        var outFolder = Option("--out", Path.Combine(Parp.IO.Repository.Root(), "data-manifests", "fortunes"));
        Parp.Text.FortuneTasks.Write(from, outFolder, PackageVersion("fortunes"));
        foreach (var task in Parp.Text.FortuneTasks.All)
        {
            var (train, dev) = Parp.Text.FortuneTasks.Load(task, "tiny", outFolder);
            Console.WriteLine($"{task.Name}: {train.Count} train, {dev.Count} dev; labels (train) " +
                string.Join(", ", train.GroupBy(e => e.Label).OrderBy(g => g.Key).Select(g => $"{task.Labels[(int)g.Key]} {g.Count()}")));
        }
        break;
    }
    case "sources": // rewrite sources.txt only (what build writes beside the manifests)
        foreach (var code in langs)
            WriteSourceList(CorpusLanguage.Get(code), CorpusRecipe.ForScale(scale, code), TextSources.Collect(CorpusLanguage.Get(code)));
        break;
    case "generate":
        foreach (var r in GeneratedCorpora.Ensure(scale, langs, jobs, progress, paths))
            Console.Error.WriteLine($"\n{r.Language} {r.Split}: {r.Generated} generated, {r.AlreadyCached} cached, {r.Seconds / 3600:F2} h" +
                (r.LengthMismatches.Count > 0 ? $", {r.LengthMismatches.Count} LENGTH MISMATCHES (other espeak-ng version?)" : ""));
        break;
    case "stats":
        Console.WriteLine("| lang | split | utterances | hours | RMS dBFS | peak dBFS | clipped | silent |");
        Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var code in langs)
            foreach (var split in CorpusRecipe.Splits)
            {
                var s = CorpusStats.Measure(new CorpusGenerator(paths).Manifest(CorpusRecipe.ForScale(scale, code).Name, code, split));
                Console.WriteLine($"| {code} | {split} | {s.Utterances} | {s.Hours:F3} | {s.RmsDb:F1} | {s.PeakDb:F1} | {s.ClippedFraction:P3} | {s.SilentUtterances} |");
            }
        break;
    case "librispeech":
        foreach (var split in LibriSpeech.BuildAll(Option("--finetuning", "") is var f && f != "" ? f : null,
                     Option("--librispeech", "") is var ls && ls != "" ? ls : null, Option("--out", "manifests/librispeech")))
            Console.Error.WriteLine($"wrote {split}");
        break;
    case "commonvoice":
        var cvLang = Option("--lang", "");
        var name = Option("--name", "train");
        var outDir = Option("--out", $"manifests/commonvoice/{cvLang}");
        var m = CommonVoice.BuildSplit(Option("--dir", "."), Option("--table", "train.tsv"), outDir, name,
            new CommonVoice.Options(cvLang, Option("--phones", "") is var ph && ph != "" ? ph : null, Option("--subset", "") is var sub && sub != "" ? sub : null));
        if (args.Contains("--dictionary")) CommonVoice.WriteDictionary(outDir, name);
        Console.Error.WriteLine($"wrote {name}: {m.Count} clips, {m.TotalSamples / 16000.0 / 3600:F2} h");
        break;
    default:
        Console.Error.WriteLine("usage: parp-corpora build|generate|stats [--scale tiny|smoke] [--lang all|en,es,...] [-j N]\n" +
            "       parp-corpora librispeech --out DIR [--finetuning DIR] [--librispeech DIR]\n" +
            "       parp-corpora commonvoice --out DIR --dir CV/LANG --lang CODE [--table train.tsv] [--name train] [--phones F] [--subset F] [--dictionary]");
        return 2;
}
Console.Error.WriteLine($"{command} took {clock.Elapsed.TotalSeconds:F0} s");
return 0;

// Which files the sentences came from, with checksums: a rebuild on another machine can tell whether it
// read the same text.
void WriteSourceList(CorpusLanguage language, CorpusRecipe recipe, TextSources.Text text)
{
    var files = language.Code == "en"
        ? Directory.GetFiles(TextSources.FortuneDir).Where(f => !Path.HasExtension(f)).Order(StringComparer.Ordinal).ToList()
        : TextSources.Catalogs(language.Code == "zh" ? "zh_CN" : language.Code).ToList();
    if (language.Code == "zh") files.Add(TextSources.UnihanReadings);
    var lines = files.Select(f => $"{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f)))}  {f}")
        .Prepend($"# {language.Code}: {text.Sentences.Count} sentences and {text.Words.Count} words from {language.TextSource}; espeak-ng: {EspeakSynthesizer.Version()}");
    Parp.IO.AtomicFile.WriteAllLines(Path.Combine(paths.ManifestDir(recipe.Name, language.Code), "sources.txt"), lines);
}

// The installed version of a Debian package, or null where dpkg does not know it.
static string? PackageVersion(string package)
{
    try
    {
        var start = new ProcessStartInfo("dpkg-query", ["-W", "-f=${Version}", package]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(start)!;
        var version = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        return p.ExitCode == 0 && version.Length > 0 ? version : null;
    }
    catch (System.ComponentModel.Win32Exception) { return null; }
}
