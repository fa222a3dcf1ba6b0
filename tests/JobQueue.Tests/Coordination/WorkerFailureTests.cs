using System.Diagnostics;
using JobQueue.Coordination;
using Microsoft.Extensions.Logging.Abstractions;
using JobQueue.Worker;
using JobQueue.Protocol;
using JobQueue.JobScripts;

namespace JobQueue.Tests.Coordination;

public sealed class WorkerFailureTests
{
    [Fact]
    public async Task A_worker_killed_in_the_middle_of_a_map_loses_no_result_and_is_replaced()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 2, ThreadsPerWorker = 2, Name = "kill" });
        await cluster.WaitForWorkersAsync(2, TimeSpan.FromSeconds(60));
        var victim = cluster.WorkerProcessIds[0];

        var futures = cluster.Map((int x) =>
        {
            Thread.Sleep(5);
            return x * 3;
        }, Enumerable.Range(0, 10_000));
        var finished = 0;
        await foreach (var _ in cluster.AsCompleted(futures))
        {
            if (++finished == 2_000)
            {
                Process.GetProcessById(victim).Kill(); // SIGKILL
                break;
            }
        }

        var results = await cluster.Gather(futures);

        Assert.Equal(Enumerable.Range(0, 10_000).Select(x => x * 3), results);
        Assert.All(futures, future => Assert.Equal(FutureStatus.Finished, future.Status));
        await Eventually.HoldsAsync(
            () => cluster.Workers.Count == 2 && !cluster.WorkerProcessIds.Contains(victim),
            TimeSpan.FromSeconds(60), "the killed worker was replaced by a new process");
        Assert.Equal(["kill-0", "kill-1"], cluster.Workers.Select(worker => worker.Name).Order());
    }

    [Fact]
    public async Task A_task_that_kills_its_workers_fails_after_three_deaths_naming_them()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 2, Name = "crash" });
        await cluster.WaitForWorkersAsync(2, TimeSpan.FromSeconds(60));

        var future = cluster.Submit(() =>
        {
            Environment.FailFast("this task crashes its worker");
            return 0;
        });

        var error = await Assert.ThrowsAsync<WorkerLostException>(async () => await future);
        Assert.Equal(3, error.Workers.Count);
        Assert.All(error.Workers, worker => Assert.StartsWith("crash-", worker));
        Assert.Equal(7, await cluster.Submit(() => 7));
    }

    [Fact]
    public async Task Killing_the_client_process_leaves_no_LocalCluster_worker_behind()
    {
        using var client = ClientProcess.Start();
        var line = await client.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var workers = line!.Split(' ').Select(int.Parse).ToArray();
        Assert.Equal(2, workers.Length);
        Assert.All(workers, worker => Assert.True(ProcessState.IsRunning(worker)));

        client.Kill(); // SIGKILL: no dispose, no exit handler

        await Eventually.HoldsAsync(() => !workers.Any(ProcessState.IsRunning), TimeSpan.FromSeconds(30), "the client's workers exited");
    }

    [Fact]
    public async Task One_WorkerHost_with_nworkers_runs_that_many_worker_processes_sharing_its_job()
    {
        var directory = Directory.CreateTempSubdirectory("jobqueue-nworkers-");
        var coordinator = StandaloneCoordinator.Start(
            new CoordinatorSettings("127.0.0.1", [0], null, null, Path.Combine(directory.FullName, "secrets", "c.secret")));
        try
        {
            using var job = WorkerHostProcess.Start(
                new WorkerCommandLine
                {
                    Scheduler = coordinator.Address, Name = "chem-5", JobId = "77", Threads = 2, Workers = 3, MemoryLimit = new JobQueue.JobScripts.MemorySize(1L << 30),
                    DeathTimeout = TimeSpan.FromSeconds(60), SecretFile = coordinator.SecretPath,
                }.ToArguments());

            await coordinator.WaitForWorkersAsync(3, new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);

            var workers = coordinator.Workers.OrderBy(worker => worker.Name).ToArray();
            Assert.Equal(["chem-5-0", "chem-5-1", "chem-5-2"], workers.Select(worker => worker.Name));
            Assert.All(workers, worker => Assert.Equal(("77", 2, 1L << 30), (worker.JobId, worker.Threads, worker.MemoryLimit)));
            Assert.Equal(3, workers.Select(worker => worker.ProcessId).Distinct().Count());
            Assert.DoesNotContain(job.Id, workers.Select(worker => worker.ProcessId));

            coordinator.ShutDownWorkers("test over");
            await job.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
            Assert.Equal(0, job.ExitCode);
        }
        finally
        {
            await coordinator.DisposeAsync();
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_worker_reports_its_batch_job_and_exits_after_its_death_timeout_when_the_coordinator_vanishes()
    {
        var directory = Directory.CreateTempSubdirectory("jobqueue-death-");
        try
        {
            var coordinator = StandaloneCoordinator.Start(
                new CoordinatorSettings("127.0.0.1", [0], null, null, Path.Combine(directory.FullName, "secrets", "c.secret")));
            using var worker = WorkerHostProcess.Start(
                new WorkerCommandLine
                {
                    Scheduler = coordinator.Address, Name = "batch-0", JobId = "4242", Threads = 3, MemoryLimit = new JobQueue.JobScripts.MemorySize(2_000_000_000),
                    DeathTimeout = TimeSpan.FromSeconds(2), SecretFile = coordinator.SecretPath, Nanny = false, // the registered process id is this process's

                }.ToArguments());
            await coordinator.WaitForWorkersAsync(1, new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);

            var registered = Assert.Single(coordinator.Workers);
            Assert.Equal(("batch-0", "4242", 3, JobQueue.JobScripts.MemorySize.Parse(new JobQueue.JobScripts.MemorySize(2_000_000_000).ToBinaryString(), "limit").Bytes, worker.Id), (registered.Name, registered.JobId, registered.Threads, registered.MemoryLimit, registered.ProcessId));

            await coordinator.DisposeAsync();

            await worker.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
            Assert.Equal((int)WorkerExit.CoordinatorGone, worker.ExitCode);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
