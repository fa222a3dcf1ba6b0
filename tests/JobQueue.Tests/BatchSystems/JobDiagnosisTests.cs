using JobQueue.Tests.Coordination;
using static JobQueue.Tests.BatchSystems.TestClusterFactory;

namespace JobQueue.Tests.BatchSystems;

/// <summary>
/// Jobs whose workers never connect are diagnosed from their state and log; targets in cores, memory and jobs; many
/// submissions at once; cancelling jobs the batch system has already forgotten. On the real local batch systems.
/// </summary>
[Collection(BatchSystemCollection.Name)]
public sealed class JobDiagnosisTests
{
    [Theory, OnSlurm, OnGridEngine, OnPbs]
    public async Task A_job_whose_WorkerHost_is_missing_fails_the_wait_with_the_log_line_that_says_so_and_a_warning(TestBatchSystem system)
    {
        var logging = new CollectingLoggerFactory();
        await using var cluster = Create(system, options => options with { WorkerCommand = "dotnet /nonexistent/WorkerHost.dll", LoggerFactory = logging });

        cluster.Scale(1);
        var error = await Assert.ThrowsAsync<WorkersDidNotStartException>(() => cluster.WaitForWorkersAsync(1, Deadline));

        Assert.Contains("/nonexistent/WorkerHost.dll", error.LogTail);
        Assert.Contains(error.Job.Id, error.Message);
        Assert.Contains(logging.Messages, message => message == error.Message);
        Assert.Empty(cluster.Workers);
    }

    [Theory, OnSlurm, OnGridEngine, OnPbs]
    public async Task A_job_whose_workers_cannot_reach_the_coordinator_fails_the_wait_with_the_address_they_tried(TestBatchSystem system)
    {
        // Nothing listens there: the workers give up after their death timeout and the job ends without a worker.
        await using var cluster = Create(system, options => options with { ContactAddress = "127.0.0.2:9", DeathTimeout = TimeSpan.FromSeconds(3) });

        cluster.Scale(1);
        var error = await Assert.ThrowsAsync<WorkersDidNotStartException>(() => cluster.WaitForWorkersAsync(1, Deadline));

        Assert.Contains("No coordinator at tcp://127.0.0.2:9 for 3 s", error.LogTail);
        Assert.True(error.Job.HasEnded);
        Assert.Empty(error.Job.Workers);
    }

    [Theory, OnSlurm, OnGridEngine, OnPbs]
    public async Task Cancelling_jobs_that_were_cancelled_from_outside_is_not_an_error(TestBatchSystem system)
    {
        var logging = new CollectingLoggerFactory();

        // Queued for an hour, and followed so rarely that the cluster still takes them for live when it is disposed.
        await using var cluster = Create(system, options => options with { JobExtraDirectives = [StartInAnHour(system)], StatusInterval = TimeSpan.FromHours(1), LoggerFactory = logging });
        await cluster.ScaleAsync(2);
        var ids = cluster.Jobs.Select(job => job.Id).ToArray();
        await RunAsync(system == TestBatchSystem.GridEngine ? "qdel" : "scancel", [], ids);
        await AssertBatchSystemListsNoneAsync(system, ids);

        await cluster.DisposeAsync();

        Assert.Contains($"Cancelled jobs {string.Join(' ', cluster.Jobs.Select(job => job.Id))}", logging.Messages);
        Assert.DoesNotContain(logging.Messages, message => message.StartsWith("Could not cancel", StringComparison.Ordinal));
    }

    [BatchSystemFact("sbatch")]
    public async Task Targets_in_cores_memory_and_jobs_become_whole_jobs()
    {
        await using var cluster = Create(TestBatchSystem.Slurm, options => options with { Cores = 2, Memory = "1GiB", JobExtraDirectives = [StartInAnHour(TestBatchSystem.Slurm)] });

        await cluster.ScaleAsync(cores: 3);
        Assert.Equal(2, LiveJobs(cluster));
        await cluster.ScaleAsync(memory: "3GiB");
        Assert.Equal(3, LiveJobs(cluster));
        await cluster.ScaleAsync(jobs: 1);
        await Eventually.HoldsAsync(() => LiveJobs(cluster) == 1, Deadline, "one job left");
        await cluster.ScaleAsync(0);
        await AssertBatchSystemListsNoneAsync(TestBatchSystem.Slurm, cluster.Jobs.Select(job => job.Id).ToArray());

        static int LiveJobs(JobQueueCluster cluster) => cluster.Jobs.Count(job => !job.HasEnded);
    }

    [BatchSystemFact("sbatch")]
    public async Task Many_submissions_run_at_the_same_time()
    {
        // An sbatch that records when it starts and ends around the real one, from a CommandDirectory of its own.
        var commands = Directory.CreateTempSubdirectory("jobqueue-commands-");
        var events = Path.Combine(commands.FullName, "events");
        foreach (var command in new[] { "squeue", "scancel" })
        {
            File.CreateSymbolicLink(Path.Combine(commands.FullName, command), WhichOrFail(command));
        }

        var sbatch = Path.Combine(commands.FullName, "sbatch");
        File.WriteAllText(sbatch, $"#!/bin/bash\necho start >> {events}\nsleep 0.5\n{WhichOrFail("sbatch")} \"$@\"\nstatus=$?\necho end >> {events}\nexit $status\n");
        File.SetUnixFileMode(sbatch, (UnixFileMode)0b111_101_101);
        await using var cluster = Create(TestBatchSystem.Slurm, options => options with { CommandDirectory = commands.FullName, JobExtraDirectives = [StartInAnHour(TestBatchSystem.Slurm)] });

        await cluster.ScaleAsync(6);

        Assert.Equal(6, cluster.Jobs.Count);
        var lines = File.ReadAllLines(events);
        Assert.Equal(12, lines.Length);
        var mostAtOnce = lines.Aggregate((Now: 0, Most: 0), (count, line) => line == "start" ? (count.Now + 1, Math.Max(count.Most, count.Now + 1)) : (count.Now - 1, count.Most)).Most;
        Assert.True(mostAtOnce > 1, $"at most {mostAtOnce} sbatch ran at once: {string.Join(' ', lines)}");
        await cluster.ScaleAsync(0);
        await AssertBatchSystemListsNoneAsync(TestBatchSystem.Slurm, cluster.Jobs.Select(job => job.Id).ToArray());
        commands.Delete(recursive: true);
    }

    private static string WhichOrFail(string command) =>
        Environment.GetEnvironmentVariable("PATH")!.Split(':').Select(directory => Path.Combine(directory, command)).FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException($"{command} is not on PATH.");
}
