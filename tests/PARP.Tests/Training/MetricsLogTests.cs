using Parp.Tests.Support;
using Parp.Training;

namespace Parp.Tests.Training;

public class MetricsLogTests
{
    [Fact]
    public void Rows_round_trip_a_torn_last_line_is_skipped_and_resume_drops_redone_updates()
    {
        using var dir = new TempDir();
        var path = dir.File("metrics.jsonl");
        using (var log = new MetricsLog(path))
            for (int u = 1; u <= 5; u++) log.Write(new Dictionary<string, double> { ["update"] = u, ["loss"] = 10.0 / u, ["lr"] = double.NaN });
        File.AppendAllText(path, "{\"update\": 6, \"lo");       // a crash in the middle of a line
        var rows = MetricsLog.Read(path);
        Assert.Equal(5, rows.Count);
        Assert.Equal(2.5, rows[3]["loss"]);
        Assert.True(double.IsNaN(rows[0]["lr"]));
        var (x, y) = MetricsLog.Series(rows, "loss");
        Assert.Equal([1.0, 2, 3, 4, 5], x);
        Assert.Equal(10.0, y[0]);

        using (var log = new MetricsLog(path, resumeAtUpdate: 3))
            log.Write(new Dictionary<string, double> { ["update"] = 4, ["loss"] = 1 });
        Assert.Equal([1.0, 2, 3, 4], MetricsLog.Read(path).Select(r => r["update"]));
        Assert.Equal(1.0, MetricsLog.Read(path)[3]["loss"]);
    }
}
