using System.Diagnostics;
using JobQueue.JobScripts;
using JobQueue.Tests.Coordination;
using JobQueue.Tests.JobScripts;
using JobQueue.Protocol;
using JobQueue.Submission;

namespace JobQueue.Tests.Execution;

public sealed class WorkerCommandLineTests
{
    [Fact]
    public void The_arguments_a_script_writes_are_the_ones_the_WorkerHost_reads()
    {
        var written = new WorkerCommandLine
        {
            Scheduler = "tcp://127.0.0.1:40123", Name = "chem-3", JobId = "4242_3", Threads = 4, MemoryLimit = new MemorySize(12_000_000_000),
            Workers = 2, DeathTimeout = TimeSpan.FromSeconds(90), LocalDirectory = "/tmp/x", Interface = "ib0", SecretFile = "/home/me/.jobqueue/secrets/ab.secret",
        };

        var read = WorkerCommandLine.Parse(written.ToArguments());

        Assert.Equal(
            ["--scheduler", "tcp://127.0.0.1:40123", "--name", "chem-3", "--job-id", "4242_3", "--nthreads", "4", "--memory-limit", "11.18GiB", "--nworkers", "2", "--death-timeout", "90", "--local-directory", "/tmp/x", "--interface", "ib0", "--secret-file", "/home/me/.jobqueue/secrets/ab.secret"],
            written.ToArguments());
        Assert.Equal(written with { MemoryLimit = read.MemoryLimit }, read);
        Assert.Equal(12_000_000_000, read.MemoryLimit.Bytes, tolerance: 12_000_000_000 / 200.0);
    }

    [Fact]
    public void Optional_arguments_are_left_out_and_default_on_reading()
    {
        var read = WorkerCommandLine.Parse(["--scheduler", "tcp://h:1", "--name", "w-0", "--nthreads", "1", "--memory-limit", "1GiB", "--death-timeout", "0.5", "--secret-file", "/s"]);

        Assert.Equal(1, read.Workers);
        Assert.Null(read.JobId);
        Assert.Null(read.LocalDirectory);
        Assert.Null(read.Interface);
        Assert.Equal(TimeSpan.FromMilliseconds(500), read.DeathTimeout);
    }

    [Fact]
    public void A_command_line_without_the_secret_file_or_with_unknown_flags_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            WorkerCommandLine.Parse(["--scheduler", "tcp://h:1", "--name", "w", "--nthreads", "1", "--memory-limit", "1GiB", "--death-timeout", "5", "--secret", "hunter2"]));

        Assert.Contains("--secret-file", error.Message);
        Assert.Contains("hunter2", error.Message);
    }

    [Theory]
    [InlineData("--help", "--secret-file <secret-file> (REQUIRED)")]
    [InlineData("-h", "--memory-limit <memory-limit> (REQUIRED)")]
    [InlineData("--version", ".")]
    public async Task A_person_asking_the_WorkerHost_for_help_or_its_version_gets_it_and_exit_code_0(string flag, string expected)
    {
        var errors = new List<string>();
        using var worker = WorkerHostProcess.Start([flag], errors.Add, redirectOutput: true);
        var output = await worker.StandardOutput.ReadToEndAsync();
        await worker.WaitForExitAsync();

        Assert.True(worker.ExitCode == 0, $"exit code {worker.ExitCode}; standard error: {string.Join('\n', errors)}");
        Assert.Contains(expected, output);
        Assert.DoesNotContain(errors, line => line.Contains("Unhandled exception", StringComparison.Ordinal));
    }

    [Fact]
    public void Help_is_written_only_when_asked_for()
    {
        using var output = new StringWriter();

        Assert.False(WorkerCommandLine.TryWriteHelp(["--scheduler", "tcp://h:1", "--name", "w-0", "--nthreads", "1", "--memory-limit", "1GiB", "--death-timeout", "5", "--secret-file", "/s"], output));
        Assert.Equal("", output.ToString());
        Assert.True(WorkerCommandLine.TryWriteHelp(["--name", "w-0", "--help"], output));
        Assert.Contains("Usage:", output.ToString());
    }

    [Fact]
    public void Worker_names_are_the_cluster_name_and_the_jobs_index()
    {
        var cluster = TestClusters.Slurm(new SlurmOptions { Name = "chem", Cores = 1, Memory = "1GB" });

        Assert.Equal("chem-0", cluster.Definition.WorkerName(0));
        Assert.Equal("chem-17", cluster.Definition.WorkerName(17));
        Assert.Contains(" --name chem-0 ", cluster.JobScript());
    }

    [Theory]
    [InlineData("slurm", "SLURM_ARRAY_TASK_ID", "0", "chem-17")]
    [InlineData("slurm", "SLURM_ARRAY_TASK_ID", "5", "chem-22")]
    [InlineData("sge", "SGE_TASK_ID", "1", "chem-17")]
    [InlineData("sge", "SGE_TASK_ID", "6", "chem-22")]
    [InlineData("pbs", "PBS_ARRAY_INDEX", "0", "chem-17")]
    public void An_array_job_adds_its_task_index_to_the_first_jobs_counter_in_the_nodes_shell(string system, string variable, string taskIndex, string expected)
    {
        var cluster = Cluster(system, new SlurmOptions { Name = "chem", Cores = 1, Memory = "1GB" });

        var expanded = NodeShell.Run($"printf %s {ShellWords.Quote(cluster.Definition.ArrayWorkerName(17))}", (variable, taskIndex));

        Assert.Equal(expected, expanded);
    }

    [Theory]
    [InlineData("slurm", false, "SLURM_JOB_ID=4242", "4242")]
    [InlineData("slurm", true, "SLURM_JOB_ID=4250 SLURM_ARRAY_JOB_ID=4242 SLURM_ARRAY_TASK_ID=3", "4242_3")]
    [InlineData("sge", false, "JOB_ID=4242 SGE_TASK_ID=undefined", "4242")]
    [InlineData("sge", true, "JOB_ID=4242 SGE_TASK_ID=3", "4242.3")]
    [InlineData("pbs", false, "PBS_JOBID=4242.server", "4242.server")]
    [InlineData("pbs", true, "PBS_JOBID=4242[3].server PBS_ARRAY_INDEX=3", "4242[3].server")]
    [InlineData("pbs", false, "SLURM_JOB_ID=4242", "4242")]
    public void The_job_id_a_worker_reports_is_what_the_batch_systems_expression_expands_to_on_the_node(string system, bool array, string variables, string expected)
    {
        var cluster = Cluster(system, new SlurmOptions { Cores = 1, Memory = "1GB" }, "printf '%s\\n'");
        var workerLine = cluster.Definition.Render("tcp://127.0.0.1:40123", 17, array).Split('\n').Single(line => line.StartsWith("printf", StringComparison.Ordinal));

        var arguments = NodeShell.Run(workerLine, variables.Split(' ').Select(pair => (pair.Split('=')[0], pair.Split('=')[1])).ToArray()).Split('\n');

        Assert.Equal(expected, arguments[Array.IndexOf(arguments, "--job-id") + 1]);
    }

    [Fact]
    public void Environment_variables_in_the_name_expand_on_the_node_and_spaces_stay_inside_one_argument()
    {
        var cluster = TestClusters.Slurm(new SlurmOptions
        {
            Name = "chem-$NODE_TAG", Cores = 2, Memory = "2GB", LocalDirectory = "$TMPDIR/with space", WorkerCommand = "printf '%s\\n'",
            LogDirectory = "", SharedTempDirectory = "/shared",
        });
        var workerLine = cluster.JobScript().Split('\n').Single(line => line.StartsWith("printf", StringComparison.Ordinal));

        var arguments = NodeShell.Run(workerLine, ("NODE_TAG", "node07"), ("TMPDIR", "/scratch/job1")).Split('\n');

        Assert.Equal("chem-node07-0", arguments[Array.IndexOf(arguments, "--name") + 1]);
        Assert.Equal("/scratch/job1/with space", arguments[Array.IndexOf(arguments, "--local-directory") + 1]);
        Assert.Equal("jobqueue-worker", cluster.Definition.JobName);
        Assert.DoesNotContain(arguments, argument => argument.Contains(cluster.Definition.Id, StringComparison.Ordinal) && !argument.StartsWith("/shared/secrets/", StringComparison.Ordinal));
    }

    private static JobQueueCluster Cluster(string system, SlurmOptions settings, string? workerCommand = null) => system switch
    {
        "slurm" => TestClusters.Slurm(settings with { WorkerCommand = workerCommand }),
        "sge" => TestClusters.Sge(new SGEOptions { Name = settings.Name, Cores = settings.Cores, Memory = settings.Memory, WorkerCommand = workerCommand }),
        _ => TestClusters.Pbs(new PBSOptions { Name = settings.Name, Cores = settings.Cores, Memory = settings.Memory, WorkerCommand = workerCommand }),
    };
}
