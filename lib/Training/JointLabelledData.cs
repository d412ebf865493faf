using Parp.Data;
using Parp.Data.Corpora;

namespace Parp.Training;

/// <summary>
/// One fine-tuning over several languages' labelled splits (docs/paper.md §3.10, the joint multilingual run): their
/// utterances pooled, their labels re-encoded in one union phone vocabulary, and each language's test split
/// re-encoded in that same vocabulary so the joint model is evaluated on every language separately.
/// </summary>
/// <remarks>
/// The union vocabulary's order: the four specials, then each language's own vocabulary in the order the languages are
/// given, each symbol where it first appears (a phone shared by es and fr keeps its es index). It is built from the
/// languages' vocabularies, not from the split's labels, so the train, dev and test splits of the same language list
/// all get the same indices. The order of the languages therefore matters: give them in the same order every time.
/// </remarks>
public static class JointLabelledData
{
    /// <summary>The specials, then every language's symbols at their first appearance (see the class remarks).</summary>
    public static Vocabulary UnionVocabulary(IEnumerable<Vocabulary> vocabularies) =>
        new(vocabularies.SelectMany(v => v.Symbols).Prepend(Vocabulary.Unk).Prepend(Vocabulary.Eos).Prepend(Vocabulary.Bos).Prepend(Vocabulary.Pad)
            .Distinct(StringComparer.Ordinal));

    /// <summary>
    /// The languages' splits as one: the union vocabulary, every utterance in the order given (the batcher shuffles),
    /// the labels re-encoded. Every part must have the same transcript kind and audio options.
    /// </summary>
    public static LabelledData Of(IReadOnlyList<(string Language, LabelledData Data)> parts)
    {
        if (parts.Count == 0) throw new ArgumentException("a joint run needs at least one language");
        var dupes = parts.GroupBy(p => p.Language).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (dupes.Count > 0) throw new ArgumentException($"language given twice in a joint run: {string.Join(", ", dupes)}");
        var kinds = parts.Select(p => p.Data.Kind).Distinct().ToList();
        if (kinds.Count > 1)
            throw new ArgumentException("a joint run needs one transcript kind (one CTC head), but the languages differ: " +
                string.Join(", ", parts.Select(p => $"{p.Language} {p.Data.Kind}")));
        if (parts.Select(p => p.Data.Dataset.AudioOptions).Distinct().Count() > 1)
            throw new ArgumentException("the languages' splits load audio differently (normalisation, say): open them with the same options");

        var union = UnionVocabulary(parts.Select(p => p.Data.Vocabulary));
        var entries = new List<ManifestEntry>();
        var targets = new List<int[]>();
        foreach (var (_, data) in parts)
        {
            var labels = Targets(data);
            var manifest = data.Dataset.Manifest;
            var map = IndexMap(data.Vocabulary, union);
            // Absolute paths under the root "/": the languages' manifests have different roots.
            for (int i = 0; i < manifest.Count; i++)
            {
                entries.Add(new ManifestEntry(Path.GetFullPath(manifest.FullPath(i)), manifest.Entries[i].NumSamples));
                targets.Add(Array.ConvertAll(labels[i], t => map[t]));
            }
        }
        // No '/' in it: FineTuning keeps a description's last three path parts in recipe.json, which would drop languages.
        var description = $"joint {string.Join("+", parts.Select(p => p.Language))} ({string.Join(", ", parts.Select(p => Path.GetFileName(p.Data.Description)))})";
        return new LabelledData(new SpeechDataset(new Manifest("/", entries), targets, parts[0].Data.Dataset.AudioOptions),
            union, kinds[0], description);
    }

    /// <summary>A split of several generated languages as one joint split (<paramref name="languages"/> in the vocabulary's order).</summary>
    public static LabelledData Generated(string scale, IReadOnlyList<string> languages, string split, bool normalizeAudio = true, CorpusPaths? paths = null) =>
        Of(languages.Select(l => (l, LabelledData.Generated(scale, l, split, normalizeAudio, paths))).ToList());

    /// <summary>
    /// One language's split with its labels re-encoded in <paramref name="union"/>, e.g. its test split for a model
    /// trained jointly. Every symbol of the language's vocabulary must be in the union.
    /// </summary>
    public static LabelledData InVocabulary(this LabelledData data, Vocabulary union)
    {
        var map = IndexMap(data.Vocabulary, union);
        var targets = Targets(data).Select(t => Array.ConvertAll(t, i => map[i])).ToList();
        return data with { Dataset = new SpeechDataset(data.Dataset.Manifest, targets, data.Dataset.AudioOptions), Vocabulary = union };
    }

    static IReadOnlyList<int[]> Targets(LabelledData data) =>
        data.Dataset.Targets ?? throw new ArgumentException($"{data.Description} has no labels");

    static int[] IndexMap(Vocabulary from, Vocabulary to)
    {
        var missing = from.Symbols.Where(s => !to.Contains(s)).ToList();
        if (missing.Count > 0)
            throw new ArgumentException($"{missing.Count} symbol(s) of the language's vocabulary are not in the joint one: {string.Join(" ", missing.Take(20))}");
        return from.Symbols.Select(s => to[s]).ToArray();
    }
}
