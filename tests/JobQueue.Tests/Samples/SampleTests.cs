using System.Globalization;
using System.Text.RegularExpressions;
using JobQueue.Tests.Checkpoints;

namespace JobQueue.Tests.Samples;

/// <summary>The samples, built with the tests and run as a user runs them, do what the README says they do.</summary>
public sealed class SampleTests
{
    private static readonly TimeSpan Hung = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task TableEvaluation_resumes_from_its_checkpoint_computing_only_the_missing_rows()
    {
        using var database = new TestSqlite();
        string[] run = [BuiltPrograms.EntryAssembly("samples/TableEvaluation", "TableEvaluation"), database.Path];

        var first = await BuiltPrograms.RunDotnetAsync(run, Hung);
        database.Scalar("DELETE FROM jobqueue_results WHERE rowid IN (SELECT rowid FROM jobqueue_results ORDER BY rowid LIMIT 10)");
        var resumed = await BuiltPrograms.RunDotnetAsync(run, Hung);

        Assert.Contains($"Checkpoint {database.Path}: 0 of 40 items of Program.<Main>$.Simulate are stored, 40 to compute", first);
        // Row 13 fails, so the 10 deleted rows and row 13 are what is missing.
        Assert.Contains($"Checkpoint {database.Path}: 29 of 40 items of Program.<Main>$.Simulate are stored, 11 to compute", resumed);
        var rows = Lines(first, "  rate ");
        Assert.Equal(40, rows.Length);
        Assert.Contains("final        NaN  peak        NaN  steps ('-1') must be a non-negative value", rows[13]);
        Assert.Equal(rows, Lines(resumed, "  rate "));
    }

    [Fact]
    public async Task MonteCarlo_gives_the_same_streams_with_one_or_two_workers_and_estimates_pi()
    {
        var sample = BuiltPrograms.EntryAssembly("samples/MonteCarlo", "MonteCarlo");

        var one = await BuiltPrograms.RunDotnetAsync([sample, "42", "1"], Hung);
        var two = await BuiltPrograms.RunDotnetAsync([sample, "42", "2"], Hung);

        Assert.Contains("2 workers, Seed = 42 (pass it as the first argument to repeat this run)", two);
        var replicates = Lines(two, "replicate ");
        Assert.Equal(Lines(one, "replicate "), replicates);
        Assert.Equal(Pi(one), Pi(two));
        var statistics = replicates.Select(line => Regex.Match(line, @"^replicate \d+: mean +(-?\d+\.\d+) +standard deviation (\d+\.\d+)$")).ToArray();
        Assert.Equal(10, statistics.Length);
        Assert.All(statistics, match => Assert.True(match.Success));
        // Each replicate has its own stream, so no two means agree to six decimals.
        Assert.Equal(10, statistics.Select(match => match.Groups[1].Value).Distinct().Count());
        // A million draws of a standard normal: the mean's standard error is 0.001 and the deviation's 0.0007, so
        // these bands are over ten standard errors wide.
        Assert.All(statistics, match => Assert.InRange(Number(match.Groups[1]), -0.01, 0.01));
        Assert.All(statistics, match => Assert.InRange(Number(match.Groups[2]), 0.99, 1.01));
        // 20 million points: the estimate's standard error is about 0.0004.
        Assert.InRange(Pi(two), 3.13, 3.15);
    }

    [Fact]
    public async Task TaskGraphs_adds_up_the_delayed_example_and_classifies_through_a_two_stage_pipeline()
    {
        var output = await BuiltPrograms.RunDotnetAsync([BuiltPrograms.EntryAssembly("samples/TaskGraphs", "TaskGraphs")], Hung);

        // inc(x) + double(x) = 3x + 1 for x in 1..10: 3 * 55 + 10.
        Assert.Contains("delayed example: total = 175 from 39 tasks", output);
        Assert.Contains("pipeline: 3784 long, 6216 short of 10,000 numbers", output);
    }

    private static string[] Lines(string output, string marker) => [.. output.ReplaceLineEndings("\n").Split('\n').Where(line => line.Contains(marker, StringComparison.Ordinal))];

    private static double Pi(string output) => Number(Regex.Match(output, @"^pi ~ (\d+\.\d+) from", RegexOptions.Multiline).Groups[1]);

    private static double Number(Group group) => double.Parse(group.Value, CultureInfo.InvariantCulture);
}
