using Parp.Tests.Support;
using Parp.Text;

namespace Parp.Tests.Text;

/// <summary>GLUE's files in their real layouts, bad lines named, and each metric against values worked by hand (and by
/// scikit-learn / scipy for the same inputs).</summary>
public class GlueTests
{
    [Fact]
    public void Every_task_reads_its_own_layout()
    {
        using var dir = new TempDir();
        void Write(string name, params string[] lines) => File.WriteAllLines(dir.File(name), lines);
        Write("cola.tsv", "gj04\t1\t\tThe sailors rode the breeze clear of the rocks.", "gj04\t0\t*\tThe more books I ask to whom he will read.");
        Write("sst2.tsv", "sentence\tlabel", "hide new secretions from the parental units \t0");
        Write("mrpc.tsv", "Quality\t#1 ID\t#2 ID\t#1 String\t#2 String", "1\t702876\t702977\tAmrozi accused his brother .\tReferring to him as only \" the witness \" .");
        Write("stsb.tsv", "index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2\tscore",
            "0\tmain-captions\tMSRvid\t2012test\t0001\tnone\tnone\tA plane is taking off.\tAn air plane is taking off.\t5.000");
        Write("qqp.tsv", "id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate", "133273\t213221\t213222\tHow is the life?\tHow is life?\t1");
        Write("mnli.tsv", "index\tpromptID\tpairID\tgenre\tsentence1_binary_parse\tsentence2_binary_parse\tsentence1_parse\tsentence2_parse\tsentence1\tsentence2\tlabel1\tgold_label",
            "0\t31193\t31193n\tgovernment\t( a )\t( b )\t(ROOT a)\t(ROOT b)\tConceptually cream skimming has two dimensions.\tProduct and geography are what make it work.\tneutral\tneutral");
        Write("qnli.tsv", "index\tquestion\tsentence\tlabel", "0\tWhat came into force?\tThe law came into force.\tentailment");
        Write("rte.tsv", "index\tsentence1\tsentence2\tlabel", "0\tNo weapons were found.\tWeapons were found.\tnot_entailment");

        var cola = GlueTask.CoLA.Read(dir.File("cola.tsv"));
        Assert.Equal(new GlueExample("The sailors rode the breeze clear of the rocks.", null, 1), cola[0]);
        Assert.Equal(0, cola[1].Label);
        Assert.Equal(0, Assert.Single(GlueTask.Sst2.Read(dir.File("sst2.tsv"))).Label);
        Assert.Equal(new GlueExample("Amrozi accused his brother .", "Referring to him as only \" the witness \" .", 1), Assert.Single(GlueTask.Mrpc.Read(dir.File("mrpc.tsv"))));
        Assert.Equal(new GlueExample("A plane is taking off.", "An air plane is taking off.", 5), Assert.Single(GlueTask.StsB.Read(dir.File("stsb.tsv"))));
        Assert.Equal(1, Assert.Single(GlueTask.Qqp.Read(dir.File("qqp.tsv"))).Label);
        var mnli = Assert.Single(GlueTask.Mnli.Read(dir.File("mnli.tsv")));
        Assert.Equal(("Conceptually cream skimming has two dimensions.", 2.0), (mnli.TextA, mnli.Label));   // neutral is class 2
        Assert.Equal(0, Assert.Single(GlueTask.Qnli.Read(dir.File("qnli.tsv"))).Label);
        Assert.Equal(1, Assert.Single(GlueTask.Rte.Read(dir.File("rte.tsv"))).Label);
        Assert.Equal((1, 3), (GlueTask.StsB.NumLabels, GlueTask.Named("mnli").NumLabels));
        Assert.Same(GlueTask.Sst2, GlueTask.Named("sst2"));
    }

    [Fact]
    public void A_bad_line_is_named_with_its_file_and_number()
    {
        using var dir = new TempDir();
        File.WriteAllLines(dir.File("rte.tsv"), ["index\tsentence1\tsentence2\tlabel", "0\ta\tb\tentailment", "1\ta\tb\tmaybe"]);
        var label = Assert.Throws<FormatException>(() => GlueTask.Rte.Read(dir.File("rte.tsv")));
        Assert.Contains("rte.tsv, line 3: label 'maybe'", label.Message);
        File.WriteAllLines(dir.File("rte.tsv"), ["index\tsentence1\tsentence2\tlabel", "0\tonly two"]);
        Assert.Contains("line 2: 2 tab-separated field(s)", Assert.Throws<FormatException>(() => GlueTask.Rte.Read(dir.File("rte.tsv"))).Message);
        Assert.Throws<FileNotFoundException>(() => GlueTask.Rte.Read(dir.File("none.tsv")));
        Assert.Throws<ArgumentException>(() => GlueTask.Named("wnli"));
    }

    [Fact]
    public void The_metrics_are_scikit_learn_and_scipy_s()
    {
        double[] predicted = [1, 1, 0, 0], truth = [1, 0, 0, 0];
        Assert.Equal(0.75, GlueMetrics.Of("accuracy", predicted, truth));
        Assert.Equal(2.0 / 3, GlueMetrics.Of("f1", predicted, truth), 12);               // tp 1, fp 1, fn 0
        Assert.Equal(2 / Math.Sqrt(12), GlueMetrics.Of("matthews", predicted, truth), 12); // (tp·tn − fp·fn) / √(2·1·3·2)
        Assert.Equal(0, GlueMetrics.Of("matthews", [1, 1, 1, 1], truth));                 // a constant prediction
        Assert.Equal(1, GlueMetrics.Of("pearson", [1, 2, 3], [2, 4, 6]), 12);
        Assert.Equal(0.9486832980505138, GlueMetrics.Of("spearman", [1, 2, 2, 3], [1, 3, 2, 4]), 12);   // ties share a rank
        var mrpc = GlueTask.Mrpc.Score(predicted, truth);                                // percent, f1 first as reported
        Assert.Equal(["f1", "accuracy"], mrpc.Keys);
        Assert.Equal(200.0 / 3, mrpc["f1"], 10);
        Assert.Equal(75, mrpc["accuracy"], 10);
        Assert.Throws<ArgumentException>(() => GlueMetrics.Of("accuracy", [1], [1, 0]));
    }
}
