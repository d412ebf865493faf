using System.Diagnostics;
using Parp.IO;

namespace Parp.Tests.Reliability;

/// <summary>
/// CI names what failed: <c>.ci/test-summary</c> turns dotnet test's console output into one line per failed test (its
/// fully qualified name and the first line of its error), the tests running when the host crashed, and the plain
/// "tests: N passed, N failed, N skipped" line.
/// </summary>
[Trait("Category", "Reliability")]
public class CiSummaryTests
{
    static string Summary(string log)
    {
        using var dir = new Support.TempDir();
        File.WriteAllText(dir.File("test.log"), log);
        using var process = Support.ChildProcess.Start("bash", Path.Combine(Repository.Root(), ".ci", "test-summary"), dir.File("test.log"));
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, output);
        return output;
    }

    [Fact]
    public void Failed_tests_are_named_with_the_first_line_of_their_error_and_the_counts_follow()
    {
        var output = Summary("""
            [xUnit.net 00:00:02.06]     Parp.Tests.A.Fails [FAIL]
              Failed Parp.Tests.A.Fails [126 ms]
              Error Message:
               Assert.Equal() Failure: Values differ
            Expected: 1
            Actual:   2
              Stack Trace:
                 at Parp.Tests.A.Fails() in /x/A.cs:line 6
              Failed Parp.Tests.B.Theory(tool: "Model Bench") [2 s]
              Error Message:
               System.InvalidOperationException : first line
            second line

            Failed!  - Failed:     2, Passed:   317, Skipped:     1, Total:   320, Duration: 31 s - PARP.Tests.dll (net10.0)
            """);
        Assert.Equal("""
            FAILED Parp.Tests.A.Fails: Assert.Equal() Failure: Values differ
            FAILED Parp.Tests.B.Theory(tool: "Model Bench"): System.InvalidOperationException : first line
            tests: 317 passed, 2 failed, 1 skipped
            """, output.Trim());
    }

    [Fact]
    public void A_crashed_test_host_names_the_tests_that_were_running()
    {
        var output = Summary("""
            The active Test Run was aborted because the host process exited unexpectedly.
            The test running when the crash occurred: 
            Parp.Tests.Models.GoldenCtcTests.Base_matches

            This test may, or may not be the source of the crash.

            Test Run Aborted.
            """);
        Assert.Equal("""
            CRASHED while running Parp.Tests.Models.GoldenCtcTests.Base_matches
            tests: the run was aborted (the test host crashed; see above)
            """, output.Trim());
    }
}
