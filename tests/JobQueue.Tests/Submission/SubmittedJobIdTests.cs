using System.Text.RegularExpressions;
using JobQueue.Clusters.GridEngine;
using JobQueue.Clusters.Pbs;
using JobQueue.Clusters.Slurm;
using JobQueue.JobScripts;
using JobQueue.Tests.JobScripts;
using JobQueue.Submission;

namespace JobQueue.Tests.Submission;

public sealed class SubmittedJobIdTests
{
    public static TheoryData<string, string, string, string?> Outputs => new()
    {
        { "slurm", "Submitted batch job 1234\n", "1234", null },
        { "slurm", "1234\n", "1234", null },
        { "slurm", "1234;local\n", "1234", null },
        { "slurm", "sbatch: Using account 2024 by default\nsbatch: Verify job submission ... ok\nSubmitted batch job 55\n", "55", null },
        { "slurm", "Welcome to cluster 7!\n\n  88  \n", "88", null },
        { "sge", "Your job 1234 (\"jobqueue-worker\") has been submitted\n", "1234", null },
        { "sge", "1234\n", "1234", null },
        { "sge", "Your job-array 5.1-3:1 (\"jobqueue-worker\") has been submitted\n", "5", "1-3:1" },
        { "sge", "5.1-3:1\n", "5", "1-3:1" },
        { "pbs", "1234.server\n", "1234.server", null },
        { "pbs", "1234.pbs01.cluster.example.org\n", "1234.pbs01.cluster.example.org", null },
        { "pbs", "1234[].server\n", "1234[].server", null },
        { "pbs", "2\n", "2", null },
        { "pbs", "Project quota: 80% used\n1234.server\n", "1234.server", null },
        // A site wrapper whose output matches no known form: the first number of the last line that has one (dask #699).
        { "pbs", "Job <1234> is submitted to queue <normal>.\n", "1234", null },
        { "slurm", "Checking limits for 2 nodes... fine\njob id is 991 (queued)\n", "991", null },
    };

    [Theory]
    [MemberData(nameof(Outputs))]
    public void Finds_the_id_in_one_canonical_form(string system, string output, string id, string? tasks)
    {
        var parsed = SubmittedJobId.Parse(Submitted(output), System(system).JobIdPattern, customPattern: null);

        Assert.Equal(new SubmittedJobId(id, tasks), parsed);
    }

    [Fact]
    public void A_configured_pattern_wins_over_the_built_in_one()
    {
        var output = "Submitted batch job 17 (request 900455)\n";
        var cluster = TestClusters.Slurm(new SlurmOptions { Cores = 1, Memory = "1GB", JobIdPattern = @"request (?<id>\d+)" });

        var parsed = SubmittedJobId.Parse(Submitted(output), cluster.Definition.System.JobIdPattern, cluster.Definition.CustomJobIdPattern);

        Assert.Equal("900455", parsed.Id);
    }

    [Fact]
    public void A_configured_pattern_that_does_not_match_falls_back_to_the_built_in_one() =>
        Assert.Equal("17", SubmittedJobId.Parse(Submitted("Submitted batch job 17\n"), SlurmBatchSystem.Instance.JobIdPattern, new Regex(@"request (?<id>\d+)")).Id);

    [Theory]
    [InlineData("")]
    [InlineData("sbatch: job queued\n")]
    public void Output_without_any_id_is_an_error_that_shows_the_output_and_suggests_JobIdPattern(string output)
    {
        var error = Assert.Throws<BatchCommandException>(() => SubmittedJobId.Parse(Submitted(output), SlurmBatchSystem.Instance.JobIdPattern, null));

        Assert.StartsWith("sbatch printed no job id. Set JobIdPattern to a regular expression with a group named id", error.Message);
        Assert.EndsWith($"the output was: {output.Trim()}", error.Message);
        Assert.Equal(output, error.StandardOutput);
    }

    [Fact]
    public void Array_submissions_put_the_range_on_the_command_line_from_each_systems_first_index()
    {
        Assert.Equal(["--array=0-5"], SlurmBatchSystem.Instance.ArraySubmitArguments(6, "chem"));
        Assert.Equal(["-t", "1-6"], SgeBatchSystem.Instance.ArraySubmitArguments(6, "chem"));
        Assert.Equal(["-J", "0-5"], PbsBatchSystem.Instance.ArraySubmitArguments(6, "chem"));
    }

    private static CommandResult Submitted(string output) => new("sbatch", 0, output, "");

    private static BatchSystem System(string name) => name switch
    {
        "slurm" => SlurmBatchSystem.Instance,
        "sge" => SgeBatchSystem.Instance,
        _ => PbsBatchSystem.Instance,
    };
}
