using JobQueue.Tests.Coordination;
using static JobQueue.Tests.BatchSystems.TestClusterFactory;

namespace JobQueue.Tests.BatchSystems;

/// <summary>
/// End to end on the real local batch systems: Slurm, Grid Engine, PBS (Slurm's Torque-style commands) and Slurm
/// through sshd on 127.0.0.1. Real jobs run real WorkerHosts that dial the coordinator. Every test ends with the
/// batch system listing none of its jobs.
/// </summary>
[Collection(BatchSystemCollection.Name)]
public sealed class BatchClusterTests
{
    [Theory, OnSlurm, OnGridEngine, OnPbs, OnSlurmOverSsh]
    public async Task Scale_2_runs_a_task_on_workers_with_the_configured_threads_and_memory_and_Scale_0_leaves_no_job(TestBatchSystem system)
    {
        await using var cluster = Create(system, options => options with { Cores = 2 });

        cluster.Scale(2);
        await cluster.WaitForWorkersAsync(2, Deadline);

        Assert.Equal(11, await cluster.Submit(() => 10 + 1));
        Assert.All(cluster.Workers, worker =>
        {
            Assert.Equal(2, worker.Threads);
            Assert.Equal(1L << 30, worker.MemoryLimit);
        });
        var jobs = cluster.Jobs;
        Assert.Equal(2, jobs.Count);
        Assert.All(jobs, job => Assert.Equal(JobState.Running, job.State));
        Assert.Equal(cluster.Workers.Select(worker => worker.JobId).Order(), jobs.Select(job => job.Id).Order());
        Assert.Matches($@"^\w+Cluster\({cluster.Name}, tcp://127\.0\.0\.1:\d+ from ListenAddress\): 2 running, 0 pending jobs; 2 workers, 4 cores, 2.1 GB$", cluster.ToString());
        var log = await cluster.GetJobLogAsync(jobs[0].Id);
        Assert.Contains($"Connected to {cluster.Address} as {Assert.Single(jobs[0].Workers)}", log.StandardOutput + log.StandardError);

        await ScaleToZeroAsync(cluster, system);
    }

    [Theory, OnSlurm, OnGridEngine, OnPbs, OnSlurmOverSsh]
    public async Task With_2_processes_Scale_4_gives_2_jobs_of_2_workers_and_Scale_1_keeps_the_oldest_job_whole(TestBatchSystem system)
    {
        await using var cluster = Create(system, options => options with { Cores = 2, Processes = 2 });

        cluster.Scale(4);
        await cluster.WaitForWorkersAsync(4, Deadline);

        var jobs = cluster.Jobs;
        Assert.Equal(2, jobs.Count);
        Assert.All(jobs, job => Assert.Equal(2, job.Workers.Count));
        Assert.All(cluster.Workers, worker => Assert.Equal(1, worker.Threads));

        cluster.Scale(1);
        await Eventually.HoldsAsync(() => cluster.Workers.Count == 2 && cluster.Jobs.Count(job => !job.HasEnded) == 1, Deadline, "one job with two workers left");
        var kept = cluster.Jobs.Single(job => !job.HasEnded);
        Assert.Equal(jobs[0].Id, kept.Id);
        Assert.Equal(2, kept.Workers.Count);
        Assert.Equal(11, await cluster.Submit(() => 10 + 1));

        await ScaleToZeroAsync(cluster, system);
    }

    [Theory, OnSlurm, OnGridEngine, OnPbs, OnSlurmOverSsh]
    public async Task Scale_2_then_Scale_0_at_once_leaves_nothing(TestBatchSystem system)
    {
        await using var cluster = Create(system);

        await cluster.ScaleAsync(2);
        cluster.Scale(0);

        Assert.Equal(2, cluster.Jobs.Count);
        await Eventually.HoldsAsync(() => cluster.Jobs.All(job => job.HasEnded), Deadline, "both jobs ended");
        await AssertBatchSystemListsNoneAsync(system, cluster.Jobs.Select(job => job.Id).ToArray());
        await Eventually.HoldsAsync(() => cluster.Workers.Count == 0, Deadline, "no worker left");
    }

    [Theory, OnSlurm, OnGridEngine, OnPbs, OnSlurmOverSsh]
    public async Task An_environment_variable_in_the_cluster_name_expands_on_each_node(TestBatchSystem system)
    {
        var jobName = $"t{Guid.NewGuid().ToString("N")[..10]}";
        await using var cluster = Create(system, options => options with { Name = $"{jobName}-${JobIdVariable(system)}", JobName = jobName });

        cluster.Scale(2);
        await cluster.WaitForWorkersAsync(2, Deadline);

        // The job's id (without an array task) as the node's shell saw it, then the cluster's job index.
        Assert.All(cluster.Workers, worker => Assert.Matches($@"^{jobName}-{worker.JobId}-\d+$", worker.Name));
        Assert.Equal(2, cluster.Workers.Select(worker => worker.Name).Distinct().Count());

        await ScaleToZeroAsync(cluster, system);
    }

    [Theory, OnSlurm, OnGridEngine, OnPbs, OnSlurmOverSsh]
    public async Task A_job_whose_prologue_fails_is_reported_Failed_with_its_log_and_never_counted_as_a_worker(TestBatchSystem system)
    {
        await using var cluster = Create(system, options => options with { JobScriptPrologue = ["echo preparing the node for $USER", "exit 3"] });

        cluster.Scale(1);
        var error = await Assert.ThrowsAsync<WorkersDidNotStartException>(() => cluster.WaitForWorkersAsync(1, Deadline));

        Assert.Equal(JobState.Failed, error.Job.State);
        if (IsSlurm(system))
        {
            Assert.Equal(3, error.Job.ExitCode);
        }

        Assert.Contains("preparing the node for", error.LogTail);
        Assert.Contains(error.LogTail, error.Message);
        var job = Assert.Single(cluster.Jobs);
        Assert.Equal(JobState.Failed, job.State);
        Assert.Empty(job.Workers);
        Assert.Empty(cluster.Workers);
        await AssertBatchSystemListsNoneAsync(system, [job.Id]);
    }

    [Theory, OnSlurm, OnGridEngine, OnPbs, OnSlurmOverSsh]
    public async Task A_submission_to_an_unknown_queue_fails_with_what_the_submit_command_said(TestBatchSystem system)
    {
        await using var cluster = Create(system, options => options with { Queue = "nosuchqueue" });

        var error = await Assert.ThrowsAsync<BatchCommandException>(() => cluster.ScaleAsync(1));

        Assert.StartsWith(system == TestBatchSystem.GridEngine || system == TestBatchSystem.Pbs ? "qsub" : "sbatch", error.CommandLine);
        Assert.NotEqual(0, error.ExitCode);
        var said = error.StandardOutput + error.StandardError;
        Assert.Contains(system == TestBatchSystem.GridEngine ? "nosuchqueue" : "invalid partition", said, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(said.Trim().Split('\n')[0].Trim(), error.Message);

        // Without waiting: the refusal is listed as a job and the wait for workers says why.
        cluster.Scale(2);
        var again = await Assert.ThrowsAsync<BatchCommandException>(() => cluster.WaitForWorkersAsync(1, Deadline));
        Assert.Contains(said.Trim().Split('\n')[0].Trim(), again.Message);
        Assert.Contains(cluster.Jobs, job => job.State == JobState.Failed && job.Reason == again.Message);
    }

    [Theory, OnSlurm, OnGridEngine, OnPbs, OnSlurmOverSsh]
    public async Task A_job_cancelled_from_outside_whose_task_outlives_the_grace_is_seen_ended_and_its_task_is_rescheduled(TestBatchSystem system)
    {
        var gates = SharedDirectory("jobqueue-gate-");
        var started = Path.Combine(gates.FullName, "started");
        var open = Path.Combine(gates.FullName, "open");
        await using var cluster = Create(system);
        cluster.Scale(2);
        await cluster.WaitForWorkersAsync(2, Deadline);

        var future = cluster.Submit(RecordJobAndWait(JobIdVariable(system), started, open));
        await Eventually.HoldsAsync(() => File.Exists(started), Deadline, "the task started");
        var victim = File.ReadAllText(started).Trim();
        await CancelFromOutsideAsync(system, victim);

        // The gate opens only once the victim and its worker are gone for good (the worker waits out the signal's grace
        // for its running task first): the task must run again elsewhere.
        await Eventually.HoldsAsync(() => cluster.Jobs.Single(job => job.Id == victim).HasEnded, Deadline, $"job {victim} seen ended");
        await AssertBatchSystemListsNoneAsync(system, [victim]);
        await Eventually.HoldsAsync(() => cluster.Workers.All(worker => worker.JobId != victim), Deadline, $"the worker of job {victim} gone");
        File.WriteAllText(open, "");

        // On the other job, or on the one that replaced the victim to keep Scale(2).
        var ranOn = await future.AsTask().WaitAsync(Deadline);
        Assert.NotEqual(victim, ranOn);
        Assert.Contains(ranOn, cluster.Jobs.Select(job => job.Id));
        Assert.Equal([victim, ranOn], File.ReadAllLines(started));
        var victimLog = await cluster.GetJobLogAsync(victim);
        Assert.Contains("Leaving: ", victimLog.StandardOutput + victimLog.StandardError);
        AssertCancelledState(system, cluster.Jobs.Single(job => job.Id == victim));

        await ScaleToZeroAsync(cluster, system);
        gates.Delete(recursive: true);
    }

    [Theory, OnSlurm, OnGridEngine, OnPbs, OnSlurmOverSsh]
    public async Task A_job_cancelled_from_outside_mid_map_loses_nothing_its_worker_finishes_what_runs_and_hands_back_the_rest(TestBatchSystem system)
    {
        const int count = 40;
        var executions = SharedDirectory("jobqueue-executions-");
        await using var cluster = Create(system);
        var (map, victim) = await StartRecordedMapOnTwoJobsAsync(cluster, system, executions.FullName, count, jobs => jobs[0]);
        await CancelFromOutsideAsync(system, victim);

        Assert.Equal(Enumerable.Range(0, count).Select(x => x * 3), await cluster.Gather(map).WaitAsync(Deadline * 2));

        // SIGTERM (Grid Engine: its -notify warning) let the worker finish its running task: no item ran twice.
        Assert.Equal(Enumerable.Range(0, count), ExecutionRecords.Read(executions.FullName).Select(execution => execution.Item).Order());
        Assert.Contains(ExecutionRecords.Read(executions.FullName), execution => execution.Where != victim);
        var victimLog = await cluster.GetJobLogAsync(victim);
        Assert.Contains(
            system == TestBatchSystem.GridEngine ? "Leaving: Grid Engine's notify signal" : "Leaving: the batch system or the user is stopping it (SIGTERM)",
            victimLog.StandardOutput + victimLog.StandardError);
        AssertCancelledState(system, cluster.Jobs.Single(job => job.Id == victim));

        await ScaleToZeroAsync(cluster, system);
        executions.Delete(recursive: true);
    }

    [Theory, OnSlurm, OnGridEngine]
    public async Task Scaling_down_in_the_middle_of_a_map_retires_a_busy_worker_gracefully_and_runs_no_item_twice(TestBatchSystem system)
    {
        const int count = 30;
        var executions = SharedDirectory("jobqueue-executions-");
        await using var cluster = Create(system);
        var (map, newest) = await StartRecordedMapOnTwoJobsAsync(cluster, system, executions.FullName, count, jobs => jobs[1]);
        cluster.Scale(1);

        Assert.Equal(Enumerable.Range(0, count).Select(x => x * 3), await cluster.Gather(map).WaitAsync(Deadline * 2));
        Assert.Equal(Enumerable.Range(0, count), ExecutionRecords.Read(executions.FullName).Select(execution => execution.Item).Order());
        await Eventually.HoldsAsync(() => cluster.Jobs.Single(job => job.Id == newest).HasEnded, Deadline, $"the newest job {newest} ended");
        Assert.Single(cluster.Jobs, job => !job.HasEnded);

        await ScaleToZeroAsync(cluster, system);
        executions.Delete(recursive: true);
    }

    [Theory, OnSlurm, OnGridEngine, OnPbs, OnSlurmOverSsh]
    public async Task Disposing_a_cluster_with_20_pending_jobs_cancels_them_all_with_one_command(TestBatchSystem system)
    {
        var logging = new CollectingLoggerFactory();
        await using var cluster = Create(system, options => options with { JobExtraDirectives = [StartInAnHour(system)], LoggerFactory = logging });

        await cluster.ScaleAsync(20);
        var ids = cluster.Jobs.Select(job => job.Id).ToArray();
        Assert.Equal(20, ids.Length);
        await Eventually.HoldsAsync(() => cluster.Jobs.All(job => job.State == JobState.Pending), Deadline, "all 20 jobs seen pending");
        Assert.Matches($@"^\w+Cluster\({cluster.Name}, tcp://127\.0\.0\.1:\d+ from ListenAddress\): 0 running, 20 pending jobs; 0 workers, 0 cores, 0 GB$", cluster.ToString());

        await cluster.DisposeAsync();

        var cancels = logging.Messages.Where(message => message.StartsWith("Cancelled jobs ", StringComparison.Ordinal)).ToList();
        Assert.Equal(ids.Order(), Assert.Single(cancels)["Cancelled jobs ".Length..].Split(' ').Order());
        await AssertBatchSystemListsNoneAsync(system, ids);
    }

    [Theory, OnSlurm, OnGridEngine, OnSlurmOverSsh]
    public async Task With_job_arrays_Scale_6_is_one_submission_of_6_jobs_whose_workers_all_connect(TestBatchSystem system)
    {
        var logging = new CollectingLoggerFactory();
        await using var cluster = Create(system, options => options with { JobArrays = true, LoggerFactory = logging });

        await cluster.ScaleAsync(6);
        await cluster.WaitForWorkersAsync(6, Deadline);

        Assert.Single(logging.Messages, message => message.StartsWith("Submitted job ", StringComparison.Ordinal));
        Assert.Equal(cluster.Jobs.Select(job => job.Id).Order(), cluster.Workers.Select(worker => worker.JobId).Order());
        Assert.Equal(6, cluster.Workers.Select(worker => worker.Name).Distinct().Count());

        await ScaleToZeroAsync(cluster, system);
    }

    [BatchSystemFact("sbatch")]
    public async Task A_program_interrupted_by_SIGINT_keeps_its_jobs_and_one_that_ends_without_disposing_its_cluster_cancels_them_on_the_way_out()
    {
        using var client = ClientProcess.Start("slurm", LocalBatchSystems.Fact("SLURM_PARTITION"));
        var ids = (await client.StandardOutput.ReadLineAsync().WaitAsync(Deadline))!.Split(' ');
        Assert.Equal(3, ids.Length);
        Assert.Subset((await ActiveJobIdsAsync(TestBatchSystem.Slurm)).ToHashSet(), ids.ToHashSet());

        await RunAsync("kill", [], "-INT", client.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("interrupted", await client.StandardOutput.ReadLineAsync().WaitAsync(Deadline));
        Assert.False(client.HasExited);
        Assert.Subset((await ActiveJobIdsAsync(TestBatchSystem.Slurm)).ToHashSet(), ids.ToHashSet());

        await client.StandardInput.WriteLineAsync();
        await client.WaitForExitAsync().WaitAsync(Deadline);

        Assert.Equal(0, client.ExitCode);
        await AssertBatchSystemListsNoneAsync(TestBatchSystem.Slurm, ids);
    }

    /// <summary>A directory that jobs of every test user may write to (over SSH, jobs run as another user).</summary>
    private static DirectoryInfo SharedDirectory(string prefix)
    {
        var directory = Directory.CreateTempSubdirectory(prefix);
        File.SetUnixFileMode(directory.FullName, (UnixFileMode)0b111_111_111);
        return directory;
    }

    private static Task CancelFromOutsideAsync(TestBatchSystem system, string jobId) =>
        RunAsync(system == TestBatchSystem.GridEngine ? "qdel" : "scancel", [], jobId);

    private static void AssertCancelledState(TestBatchSystem system, JobInfo cancelled)
    {
        if (IsSlurm(system))
        {
            Assert.Equal(JobState.Cancelled, cancelled.State);
        }
        else
        {
            // Grid Engine forgets the job at once and the Torque-style qstat shows every ended job as C: the cluster
            // knows only that it ended after its workers had connected.
            Assert.Contains(cancelled.State, new[] { JobState.Cancelled, JobState.Completed });
        }
    }

    /// <summary>Two jobs, a map over 0..count-1 that records where each item runs, and the chosen job once it has run an item.</summary>
    private static async Task<(MapResult<int> Map, string Job)> StartRecordedMapOnTwoJobsAsync(
        JobQueueCluster cluster, TestBatchSystem system, string executions, int count, Func<IReadOnlyList<JobInfo>, JobInfo> choose)
    {
        cluster.Scale(2);
        await cluster.WaitForWorkersAsync(2, Deadline);
        var map = cluster.Map(RecordItemAndWork(JobIdVariable(system), executions), Enumerable.Range(0, count));
        var job = choose(cluster.Jobs).Id;
        await Eventually.HoldsAsync(() => ExecutionRecords.Read(executions).Any(execution => execution.Where == job), Deadline, $"job {job} ran a task");
        return (map, job);
    }

    private static Func<int, int> RecordItemAndWork(string jobIdVariable, string executions) => x =>
    {
        ExecutionRecords.Record(executions, x, Environment.GetEnvironmentVariable(jobIdVariable)!);
        Thread.Sleep(300);
        return x * 3;
    };

    // Built apart from the test's other lambdas, so that the function captures these three strings and nothing else.
    private static Func<string> RecordJobAndWait(string jobIdVariable, string startedFile, string gateFile) => () =>
    {
        var job = Environment.GetEnvironmentVariable(jobIdVariable)!;
        File.AppendAllText(startedFile, job + "\n");
        while (!File.Exists(gateFile))
        {
            Thread.Sleep(20);
        }

        return job;
    };

    private static async Task ScaleToZeroAsync(JobQueueCluster cluster, TestBatchSystem system)
    {
        cluster.Scale(0);
        await Eventually.HoldsAsync(() => cluster.Jobs.All(job => job.HasEnded), Deadline, "every job ended");
        await AssertBatchSystemListsNoneAsync(system, cluster.Jobs.Select(job => job.Id).ToArray());
    }
}
