using System.Diagnostics;
using Parp.Data.Corpora;

// parp-corpora build|generate|stats [--scale tiny|smoke] [--lang all|en,es,...] [-j N]
//   build     make sentences from the text sources, synthesise, write data-manifests/CORPUS/LANG/* (the recipe)
//   generate  regenerate the cached audio from the committed manifests (what users and CI run)
//   stats     hours, RMS and peak per split, from the cached audio

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
            new CorpusBuilder(language, recipe, paths, jobs, progress).Build(sentences);
            Console.Error.WriteLine($"\n{code}: built in {clock.Elapsed.TotalSeconds:F0} s");
        }
        break;
    case "generate":
        foreach (var code in langs)
            foreach (var split in CorpusRecipe.Splits)
            {
                var r = new CorpusGenerator(paths, jobs, progress).Generate(CorpusRecipe.ForScale(scale, code).Name, code, split);
                Console.Error.WriteLine($"\n{code} {split}: {r.Generated} generated, {r.AlreadyCached} cached, {r.Seconds / 3600:F2} h" +
                    (r.LengthMismatches.Count > 0 ? $", {r.LengthMismatches.Count} LENGTH MISMATCHES (other espeak-ng version?)" : ""));
            }
        break;
    case "stats":
        Console.WriteLine("| lang | split | utterances | hours | RMS dBFS | peak dBFS | clipped |");
        Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
        foreach (var code in langs)
            foreach (var split in CorpusRecipe.Splits)
            {
                var s = CorpusStats.Measure(new CorpusGenerator(paths).Manifest(CorpusRecipe.ForScale(scale, code).Name, code, split));
                Console.WriteLine($"| {code} | {split} | {s.Utterances} | {s.Hours:F3} | {s.RmsDb:F1} | {s.PeakDb:F1} | {s.ClippedFraction:P3} |");
            }
        break;
    default:
        Console.Error.WriteLine("usage: parp-corpora build|generate|stats [--scale tiny|smoke] [--lang all|en,es,...] [-j N]");
        return 2;
}
Console.Error.WriteLine($"{command} took {clock.Elapsed.TotalSeconds:F0} s");
return 0;
