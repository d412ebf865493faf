using System.Text.Json;
using Parp.IO;

namespace Parp.Data;

/// <summary>
/// CTC output symbols. Index 0 is always the CTC blank. The first four symbols are the specials, in
/// Hugging Face order: <c>&lt;pad&gt;</c>=0 (blank, HF <c>pad_token_id</c>), <c>&lt;s&gt;</c>=1,
/// <c>&lt;/s&gt;</c>=2, <c>&lt;unk&gt;</c>=3. fairseq names rows 0 and 1 the other way round
/// (<c>&lt;s&gt;</c>=0 is its blank, <c>&lt;pad&gt;</c>=1) but the rows line up one to one (docs/paper.md §6),
/// so one index order serves both; only the names of rows 0 and 1 differ in the files each writes.
/// </summary>
public sealed class Vocabulary
{
    public const string Pad = "<pad>", Bos = "<s>", Eos = "</s>", Unk = "<unk>";
    public const int BlankIndex = 0, UnkIndex = 3;
    public static readonly IReadOnlyList<string> Specials = [Pad, Bos, Eos, Unk];

    readonly string[] _symbols;
    readonly Dictionary<string, int> _index;

    public IReadOnlyList<string> Symbols => _symbols;
    public int Count => _symbols.Length;

    /// <param name="symbols">All symbols in index order, starting with the four specials.</param>
    public Vocabulary(IEnumerable<string> symbols)
    {
        _symbols = symbols.ToArray();
        for (int i = 0; i < Specials.Count; i++)
            if (_symbols.Length <= i || _symbols[i] != Specials[i])
                throw new ArgumentException($"a vocabulary starts with {string.Join(" ", Specials)}; index {i} is '{(_symbols.Length > i ? _symbols[i] : "missing")}'");
        _index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < _symbols.Length; i++)
            if (!_index.TryAdd(_symbols[i], i))
                throw new ArgumentException($"symbol '{_symbols[i]}' appears twice (indices {_index[_symbols[i]]} and {i})");
    }

    /// <summary>The 32 outputs of wav2vec2-base-960h (HF vocab.json) and fairseq's dict.ltr.txt.</summary>
    public static Vocabulary Letters { get; } = new(
        [.. Specials, "|", "E", "T", "A", "O", "N", "I", "H", "S", "R", "D", "L", "U", "M", "W", "C", "F", "G", "Y", "P", "B", "V", "K", "'", "X", "J", "Q", "Z"]);

    /// <summary>
    /// A phone vocabulary for one language: the specials, then phones by descending count (ties by ordinal
    /// order), which is how fairseq orders a dictionary it builds from a corpus.
    /// </summary>
    public static Vocabulary FromCounts(IEnumerable<string> tokens)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var t in tokens)
        {
            if (Specials.Contains(t)) throw new ArgumentException($"'{t}' is a reserved symbol and cannot be a phone");
            counts[t] = counts.GetValueOrDefault(t) + 1;
        }
        return new([.. Specials, .. counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key)]);
    }

    public bool Contains(string symbol) => _index.ContainsKey(symbol);
    public int this[string symbol] => _index.TryGetValue(symbol, out var i) ? i : throw new KeyNotFoundException($"'{symbol}' is not in the vocabulary");
    public string this[int index] => _symbols[index];

    /// <summary>
    /// Indices of space-separated tokens (a .ltr or .phn line). Unknown tokens are an error that quotes them:
    /// mapping them silently to &lt;unk&gt; would train the model on a label nobody meant.
    /// </summary>
    public int[] Encode(string spaceSeparated)
    {
        var tokens = spaceSeparated.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var ids = new int[tokens.Length];
        for (int i = 0; i < tokens.Length; i++)
            ids[i] = _index.TryGetValue(tokens[i], out var id) ? id
                : throw new ArgumentException($"token '{tokens[i]}' (position {i + 1}) is not in the vocabulary of {Count} symbols");
        return ids;
    }

    /// <summary>Space-separated tokens for indices, skipping the four specials (they are never targets).</summary>
    public string Decode(IEnumerable<int> ids) =>
        string.Join(' ', ids.Where(i => i >= Specials.Count).Select(i => _symbols[i]));

    // ---- files ----

    /// <summary>Hugging Face vocab.json: {"&lt;pad&gt;": 0, "&lt;s&gt;": 1, ...}.</summary>
    public void SaveHfJson(string path)
    {
        var map = new Dictionary<string, int>();
        for (int i = 0; i < _symbols.Length; i++) map[_symbols[i]] = i;
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(map, new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
    }

    public static Vocabulary LoadHfJson(string path)
    {
        Dictionary<string, int>? map;
        try { map = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(path)); }
        catch (JsonException e) { throw new DataFormatException(path, 0, $"not a vocab.json object of symbol → index ({e.Message})", e); }
        if (map is null || map.Count == 0) throw new DataFormatException(path, 0, "empty vocabulary");
        var symbols = new string[map.Count];
        foreach (var (symbol, i) in map)
        {
            if (i < 0 || i >= symbols.Length || symbols[i] is not null)
                throw new DataFormatException(path, 0, $"indices must be 0..{map.Count - 1} with no gaps or repeats ('{symbol}' has {i})");
            symbols[i] = symbol;
        }
        return Wrap(path, symbols);
    }

    /// <summary>
    /// fairseq dict.ltr.txt / dict.phn.txt: one "symbol count" line per symbol from index 4 on; fairseq adds
    /// its four specials itself. Counts are written as given (1 when unknown); fairseq ignores them for CTC.
    /// </summary>
    public void SaveFairseqDict(string path, IReadOnlyDictionary<string, int>? counts = null) =>
        AtomicFile.WriteAllLines(path, _symbols.Skip(Specials.Count).Select(s => $"{s} {counts?.GetValueOrDefault(s, 1) ?? 1}"));

    public static Vocabulary LoadFairseqDict(string path)
    {
        var symbols = new List<string>(Specials);
        int lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            if (line.Length == 0) continue;
            int space = line.LastIndexOf(' ');
            if (space <= 0 || !int.TryParse(line.AsSpan(space + 1), out _))
                throw new DataFormatException(path, lineNo, $"expected 'symbol count', got '{line}'");
            symbols.Add(line[..space]);
        }
        return Wrap(path, symbols);
    }

    static Vocabulary Wrap(string path, IEnumerable<string> symbols)
    {
        try { return new Vocabulary(symbols); }
        catch (ArgumentException e) { throw new DataFormatException(path, 0, e.Message, e); }
    }
}
