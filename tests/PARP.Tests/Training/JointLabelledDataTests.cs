using Parp.Data;
using Parp.Training;

namespace Parp.Tests.Training;

/// <summary>Several languages' splits as one joint split (docs/paper.md §3.10), on in-memory splits (no audio is read).</summary>
public class JointLabelledDataTests
{
    static LabelledData Split(string root, Vocabulary vocabulary, TranscriptKind kind, params string[] transcripts) =>
        new(new SpeechDataset(new Manifest(root, transcripts.Select((_, i) => new ManifestEntry($"u{i}.wav", 16000)).ToList()),
            transcripts.Select(vocabulary.Encode).ToList()), vocabulary, kind, root);

    static readonly Vocabulary Es = new([.. Vocabulary.Specials, "e", "a", "x", "θ"]);
    static readonly Vocabulary Fr = new([.. Vocabulary.Specials, "a", "ʁ", "e", "y"]);

    [Fact]
    public void The_union_vocabulary_is_the_specials_then_each_language_in_order_at_first_appearance()
    {
        var union = JointLabelledData.UnionVocabulary([Es, Fr]);
        Assert.Equal([.. Vocabulary.Specials, "e", "a", "x", "θ", "ʁ", "y"], union.Symbols);
        Assert.Equal([.. Vocabulary.Specials, "a", "ʁ", "e", "y", "x", "θ"], JointLabelledData.UnionVocabulary([Fr, Es]).Symbols);
    }

    [Fact]
    public void A_joint_split_pools_the_utterances_and_keeps_every_transcript()
    {
        var es = Split("/data/es", Es, TranscriptKind.Phones, "e x a", "θ e");
        var fr = Split("/data/fr", Fr, TranscriptKind.Phones, "ʁ y e");
        var joint = JointLabelledData.Of([("es", es), ("fr", fr)]);

        Assert.Equal(3, joint.Dataset.Count);
        Assert.Equal(["/data/es/u0.wav", "/data/es/u1.wav", "/data/fr/u0.wav"], Enumerable.Range(0, 3).Select(joint.Dataset.Manifest.FullPath));
        Assert.Equal(["e x a", "θ e", "ʁ y e"], joint.Dataset.Targets!.Select(t => joint.Vocabulary.Decode(t)));
        Assert.Equal(TranscriptKind.Phones, joint.Kind);
        Assert.Equal("joint es+fr (/data/es, /data/fr)".Replace("/data/", ""), joint.Description);

        // A language's own test split, re-encoded for the joint model, reads the same.
        var frTest = fr.InVocabulary(joint.Vocabulary);
        Assert.Same(joint.Vocabulary, frTest.Vocabulary);
        Assert.Equal("ʁ y e", frTest.Vocabulary.Decode(frTest.Dataset.Targets![0]));
    }

    [Fact]
    public void Languages_with_different_transcript_kinds_are_refused_naming_each()
    {
        var en = Split("/data/en", Vocabulary.Letters, TranscriptKind.Letters, "A B |");
        var es = Split("/data/es", Es, TranscriptKind.Phones, "e");
        var e = Assert.Throws<ArgumentException>(() => JointLabelledData.Of([("en", en), ("es", es)]));
        Assert.Contains("en Letters", e.Message);
        Assert.Contains("es Phones", e.Message);
    }

    [Fact]
    public void A_language_given_twice_or_a_vocabulary_outside_the_union_is_an_error()
    {
        var es = Split("/data/es", Es, TranscriptKind.Phones, "e");
        Assert.Contains("given twice", Assert.Throws<ArgumentException>(() => JointLabelledData.Of([("es", es), ("es", es)])).Message);
        var e = Assert.Throws<ArgumentException>(() => es.InVocabulary(JointLabelledData.UnionVocabulary([Fr])));
        Assert.Contains("x θ", e.Message);
    }
}
