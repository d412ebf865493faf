using Parp.Data;
using Parp.Training;
using static TorchSharp.torch;

namespace Parp.Tests.Training;

public class DecodingAndMetricsTests
{
    static readonly Vocabulary L = Vocabulary.Letters;
    static int I(string s) => L[s];

    [Fact]
    public void Greedy_decoding_collapses_repeats_and_drops_blanks_and_specials()
    {
        // frames: H H <blank> I I | | <s> H H <blank> H I
        long[] ids = [I("H"), I("H"), 0, I("I"), I("I"), I("|"), I("|"), 1, I("H"), I("H"), 0, I("H"), I("I")];
        var decoded = CtcDecoding.Collapse(ids, ids.Length);
        Assert.Equal("HI HHI", CtcDecoding.ToText(decoded, L, TranscriptKind.Letters));
        // only the first 5 frames are real
        Assert.Equal("HI", CtcDecoding.ToText(CtcDecoding.Collapse(ids, 5), L, TranscriptKind.Letters));
    }

    [Fact]
    public void Greedy_decoding_of_logits_uses_each_rows_frame_count()
    {
        var logits = zeros(2, 4, L.Count);
        long[,] best = { { I("A"), I("A"), I("B"), I("C") }, { I("|"), I("O"), 0, I("O") } };
        for (int b = 0; b < 2; b++) for (int t = 0; t < 4; t++) logits[b, t, best[b, t]] = tensor(5f);
        var decoded = CtcDecoding.Greedy(logits, [3, 4]);
        Assert.Equal("AB", CtcDecoding.ToText(decoded[0], L, TranscriptKind.Letters));
        Assert.Equal("OO", CtcDecoding.ToText(decoded[1], L, TranscriptKind.Letters)); // leading '|' stripped
    }

    [Fact]
    public void Phones_are_joined_by_spaces()
    {
        var v = new Vocabulary([.. Vocabulary.Specials, "a", "ɾ", "t͡ʃ"]);
        Assert.Equal("t͡ʃ a ɾ a", CtcDecoding.ToText([6, 4, 5, 4], v, TranscriptKind.Phones));
    }

    [Fact]
    public void Word_alignment_counts_substitutions_deletions_insertions()
    {
        Assert.Equal(new ErrorCounts(0, 0, 0, 3), ErrorRates.WordErrors("A B C", "A B C"));
        Assert.Equal(new ErrorCounts(1, 0, 0, 3), ErrorRates.WordErrors("A B C", "A X C"));
        Assert.Equal(new ErrorCounts(0, 1, 0, 3), ErrorRates.WordErrors("A B C", "A C"));
        Assert.Equal(new ErrorCounts(0, 0, 1, 3), ErrorRates.WordErrors("A B C", "A B B C"));
        Assert.Equal(new ErrorCounts(0, 3, 0, 3), ErrorRates.WordErrors("A B C", ""));
        Assert.Equal(new ErrorCounts(0, 0, 2, 0), ErrorRates.WordErrors("", "A B"));
        // "THE CAT SAT" vs "THE BAT SAT DOWN": one substitution, one insertion
        Assert.Equal(new ErrorCounts(1, 0, 1, 3), ErrorRates.WordErrors("THE CAT SAT", "THE BAT SAT DOWN"));
    }

    [Fact]
    public void Character_errors_count_spaces_and_normalise_whitespace()
    {
        // "AB CD" vs "ABCD": the space is deleted (5 reference characters)
        Assert.Equal(new ErrorCounts(0, 1, 0, 5), ErrorRates.CharacterErrors("AB CD", "ABCD"));
        Assert.Equal(new ErrorCounts(1, 0, 0, 5), ErrorRates.CharacterErrors("AB  CD ", "AB CE"));
        // kitten → sitting: 2 substitutions, 1 insertion
        Assert.Equal(new ErrorCounts(2, 0, 1, 6), ErrorRates.CharacterErrors("KITTEN", "SITTING"));
    }

    [Fact]
    public void Corpus_rate_pools_counts_instead_of_averaging_utterance_rates()
    {
        // utterance 1: 1 error of 1 word (100%); utterance 2: 0 errors of 9 words (0%). Pooled: 10%, not 50%.
        var total = ErrorRates.WordErrors("A", "B") + ErrorRates.WordErrors("A B C D E F G H I", "A B C D E F G H I");
        Assert.Equal(10.0, total.Rate, 12);
        Assert.Equal(new ErrorCounts(1, 0, 0, 10), total);
    }

    [Fact]
    public void Infeasible_ctc_needs_a_blank_between_repeated_symbols()
    {
        var c = Parp.Models.Wav2Vec2Presets.Smoke;           // 320 samples per frame, receptive field 400
        long frames = Parp.Models.FrameLengths.FromSamples(c, 1600);
        Assert.Equal(4, frames);
        int[][] targets = [[5, 6, 7, 8], [5, 5, 6], [5, 5, 5, 6]]; // 4 needed (ok), 4 needed (ok), 6 needed (infeasible)
        Assert.Equal(1, CtcBatch.Infeasible(targets, [frames, frames, frames]));
    }
}
