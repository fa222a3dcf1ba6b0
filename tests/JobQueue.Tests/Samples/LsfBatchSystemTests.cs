using CustomBatchSystem;
using JobQueue.Submission;
using JobQueue.Tests.JobScripts;

namespace JobQueue.Tests.Samples;

/// <summary>
/// The LSF batch system of samples/CustomBatchSystem, added through the public API only. No LSF runs on this machine:
/// the command outputs below are written as LSF's documentation shows them, not captured from a live system.
/// </summary>
public sealed class LsfBatchSystemTests
{
    private static readonly LsfBatchSystem Lsf = LsfBatchSystem.Instance;

    [Fact]
    public void Script_matches_its_baseline()
    {
        var cluster = new LsfCluster(new LsfOptions
        {
            Name = "chem", Queue = "normal", Account = "chemistry", Walltime = "02:30", Cores = 8, Processes = 2, Memory = "24GB", LimitUnit = "MB",
            JobScriptPrologue = ["module load dotnet"], JobExtraDirectives = ["-x"], LogDirectory = "/scratch/me/logs",
            WorkerCommand = TestClusters.WorkerCommand, SharedTempDirectory = "/shared/me",
        });

        var expected = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Baselines", "lsf_full.sh"));
        Assert.Equal(expected, cluster.PortableScript());
    }

    [Fact]
    public void An_array_tasks_worker_reports_the_id_bjobs_lists_and_gets_its_own_name()
    {
        var cluster = new LsfCluster(new LsfOptions { Name = "chem", Cores = 1, Memory = "1GB", WorkerCommand = "printf '%s\\n'", SharedTempDirectory = "/shared" });
        var workerLine = cluster.Definition.Render("tcp://127.0.0.1:40123", 17, array: true).Split('\n').Single(line => line.StartsWith("printf", StringComparison.Ordinal));

        var arguments = NodeShell.Run(workerLine, ("LSB_JOBID", "4242"), ("LSB_JOBINDEX", "3")).Split('\n');

        Assert.Equal(Lsf.ArrayTaskIds("4242", 3)[2], arguments[Array.IndexOf(arguments, "--job-id") + 1]);
        Assert.Equal("chem-19", arguments[Array.IndexOf(arguments, "--name") + 1]);
        Assert.Equal(["-J", "chem[1-3]"], Lsf.ArraySubmitArguments(3, cluster.Definition.JobName));
    }

    [Fact]
    public void The_job_id_is_read_from_bsubs_answer()
    {
        var submitted = SubmittedJobId.Parse(new CommandResult("bsub", 0, "Job <4242> is submitted to default queue <normal>.\n", ""), Lsf.JobIdPattern, customPattern: null);

        Assert.Equal("4242", submitted.Id);
    }

    [Fact]
    public void Bjobs_lines_become_job_states_and_forgotten_ids_are_absent()
    {
        const string output = """
            4242|0|RUN|-
            4243|1|DONE|-
            4243|2|EXIT|3
            4243|3|PEND|-
            4244|0|EXIT|130
            """;

        var jobs = Lsf.ParseStatus(new CommandResult("bjobs -a -noheader -o ...", 255, output, "Job <4240> is not found\n"));

        Assert.Equal(
            [
                new JobStatus("4242", JobState.Running), new JobStatus("4243[1]", JobState.Completed, 0), new JobStatus("4243[2]", JobState.Failed, 3),
                new JobStatus("4243[3]", JobState.Pending), new JobStatus("4244", JobState.Failed, 130),
            ],
            jobs);
    }

    [Fact]
    public void A_failing_bjobs_or_a_line_of_another_shape_is_an_error_that_quotes_it()
    {
        var down = Assert.Throws<BatchCommandException>(() => Lsf.ParseStatus(new CommandResult("bjobs", 255, "", "LSF is down. Please wait...\n")));
        var shape = Assert.Throws<FormatException>(() => Lsf.ParseStatus(new CommandResult("bjobs", 0, "JOBID USER STAT\n", "")));

        Assert.Contains("LSF is down", down.Message);
        Assert.Contains("\"JOBID USER STAT\"", shape.Message);
    }

    [Theory]
    [InlineData("Job <4242> is being terminated", false)]
    [InlineData("Job <4243>: Job has already finished", true)]
    [InlineData("Job <4244>: No matching job found", true)]
    public void Bkill_saying_a_job_is_gone_is_not_a_failure(string line, bool gone)
    {
        Assert.Equal(gone, Lsf.GoneJobMessage.IsMatch(line));
    }

    [Theory]
    [InlineData("4242", "/logs/chem-4242-0.out", "/logs/chem-4242-0.err")]
    [InlineData("4243[3]", "/logs/chem-4243-3.out", "/logs/chem-4243-3.err")]
    public void Log_files_are_the_ones_the_templates_directives_name(string id, string output, string error)
    {
        Assert.Equal((output, error), Lsf.LogFiles("/logs", "chem", id));
    }

    [Fact]
    public void A_bad_limit_unit_or_walltime_fails_at_construction_naming_the_option_and_the_accepted_form()
    {
        var unit = Assert.Throws<ArgumentException>(() => new LsfCluster(new LsfOptions { Cores = 1, Memory = "1GB", LimitUnit = "GiB" }));
        var walltime = Assert.Throws<ArgumentException>(() => new LsfCluster(new LsfOptions { Cores = 1, Memory = "1GB", Walltime = "02:30:00" }));

        Assert.Contains("LsfOptions.LimitUnit = \"GiB\"", unit.Message);
        Assert.Contains("KB, MB, GB or TB", unit.Message);
        Assert.Contains("LsfOptions.Walltime = \"02:30:00\"", walltime.Message);
        Assert.Contains("\"HH:MM\"", walltime.Message);
    }
}
