using System.Collections.Concurrent;
using System.Diagnostics;
using JobQueue.Coordination;
using JobQueue.Protocol;
using JobQueue.Serialization;
using JobQueue.Tests.Coordination;
using JobQueue.Tests.JobScripts;
using Microsoft.Extensions.Logging.Abstractions;
using JobQueue.Shipping;
using JobQueue.JobScripts;

namespace JobQueue.Tests.Lifetime;

/// <summary>
/// Workers that leave on their own (their lifetime ended, SIGTERM) lose nothing: a coordinator and real WorkerHost
/// processes, tasks allowed no failure, and a log of every execution to show each task ran exactly once.
/// </summary>
public sealed class WorkerLifetimeTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("jobqueue-lifetime-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task A_worker_whose_lifetime_ends_mid_map_hands_its_work_over_and_exits_with_0()
    {
        await using var coordinator = StartCoordinator();
        var leaving = new ConcurrentQueue<string>();
        // The worker that stays starts first: on a loaded machine, a second worker's start could outlast the other's lifetime.
        using var stays = StartWorker(coordinator, "stays", lifetime: null, _ => { });
        await coordinator.WaitForWorkersAsync(1, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
        using var shortLived = StartWorker(coordinator, "short-lived", lifetime: TimeSpan.FromSeconds(4), leaving.Enqueue);
        await coordinator.WaitForWorkersAsync(2, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));

        // About 10 s of work for two single-threaded workers: the short-lived one leaves in the middle of it.
        var results = await RunMapAsync(coordinator, count: 100, taskMilliseconds: 200);

        Assert.Equal(Enumerable.Range(0, 100).Select(x => x * 2), results);
        AssertEachRanOnce(100);
        await shortLived.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, shortLived.ExitCode);
        Assert.Contains(leaving, line => line.Contains("Leaving: its lifetime of 4 s"));
        Assert.False(stays.HasExited);
        stays.Kill();
    }

    [Fact]
    public async Task SIGTERM_to_a_worker_mid_task_loses_nothing_and_it_exits_with_0()
    {
        await using var coordinator = StartCoordinator();
        using var victim = StartWorker(coordinator, "victim", lifetime: null, _ => { });
        using var survivor = StartWorker(coordinator, "survivor", lifetime: null, _ => { });
        await coordinator.WaitForWorkersAsync(2, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));

        var map = RunMapAsync(coordinator, count: 30, taskMilliseconds: 500);
        await Eventually.HoldsAsync(
            () => coordinator.Workers.Any(worker => worker.Name == "victim" && worker.TasksDone > 0),
            TimeSpan.FromSeconds(60), "the victim finished a task");
        using (var kill = Process.Start("kill", ["-TERM", victim.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        var results = await map;

        Assert.Equal(Enumerable.Range(0, 30).Select(x => x * 2), results);
        AssertEachRanOnce(30);
        await victim.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, victim.ExitCode);
        survivor.Kill();
    }

    private Coordinator StartCoordinator() =>
        StandaloneCoordinator.Start(new CoordinatorSettings("127.0.0.1", [0], null, null, Path.Combine(_directory, "cluster.secret")));

    private Process StartWorker(Coordinator coordinator, string name, TimeSpan? lifetime, Action<string> errorLines) =>
        WorkerHostProcess.Start(
            new WorkerCommandLine
            {
                Scheduler = coordinator.Address, Name = name, Threads = 1, MemoryLimit = new JobQueue.JobScripts.MemorySize(1 << 30),
                DeathTimeout = TimeSpan.FromSeconds(30), SecretFile = coordinator.SecretPath, Lifetime = lifetime,
            }.ToArguments(),
            errorLines: errorLines);

    private async Task<int[]> RunMapAsync(Coordinator coordinator, int count, int taskMilliseconds)
    {
        var executions = Directory.CreateDirectory(Path.Combine(_directory, "executions")).FullName;
        Func<int, int> task = x =>
        {
            ExecutionRecords.Record(executions, x, "");
            Thread.Sleep(taskMilliseconds);
            return x * 2;
        };
        var definition = FunctionReference.Describe(task, FunctionShape.OneArgument, NullLogger.Instance);
        var futures = Enumerable.Range(0, count).Select(_ => new Future<int>()).ToArray();

        // One allowed failure: a task the coordinator took for lost with its worker would fail the map.
        var map = coordinator.BeginMap(coordinator.RegisterFunction(definition), count, new MapPolicy(AllowedFailures: 1), batchSize: 1);
        coordinator.Submit(map, futures.Select((future, x) => ((Future)future, ValueCodec.Encode(x, TypeAllowlist.Client))).ToArray());
        return await Task.WhenAll(futures.Select(future => future.AsTask())).WaitAsync(TimeSpan.FromSeconds(120));
    }

    private void AssertEachRanOnce(int count)
    {
        var ran = ExecutionRecords.Read(Path.Combine(_directory, "executions")).Select(execution => execution.Item).Order().ToArray();
        Assert.Equal(Enumerable.Range(0, count), ran);
    }
}

public sealed class WorkerLifetimeOptionTests
{
    [Fact]
    public void The_lifetime_is_the_walltime_less_the_margin_and_travels_on_the_worker_command_line()
    {
        var cluster = TestClusters.Slurm(new SlurmOptions
        {
            Cores = 1, Memory = "1GB", Walltime = "01:00:00", WorkerLifetimeMargin = TimeSpan.FromMinutes(5), WorkerLifetimeStagger = TimeSpan.FromMinutes(4),
        });

        Assert.Contains(" --lifetime 3300 --lifetime-stagger 240 ", cluster.JobScript());
        var read = WorkerCommandLine.Parse(["--scheduler", "tcp://h:1", "--name", "w", "--nthreads", "1", "--memory-limit", "1GiB", "--death-timeout", "5", "--secret-file", "/s", "--lifetime", "3300", "--lifetime-stagger", "240"]);
        Assert.Equal(TimeSpan.FromMinutes(55), read.Lifetime);
        Assert.Equal(TimeSpan.FromMinutes(4), read.LifetimeStagger);
    }

    [Fact]
    public void A_signal_grace_travels_on_the_worker_command_line_and_must_be_positive()
    {
        var cluster = TestClusters.Slurm(new SlurmOptions { Cores = 1, Memory = "1GB", WorkerSignalGrace = TimeSpan.FromSeconds(8) });

        Assert.Contains(" --signal-grace 8 ", cluster.JobScript());
        Assert.DoesNotContain("--signal-grace", TestClusters.Slurm(new SlurmOptions { Cores = 1, Memory = "1GB" }).JobScript());
        var read = WorkerCommandLine.Parse(["--scheduler", "tcp://h:1", "--name", "w", "--nthreads", "1", "--memory-limit", "1GiB", "--death-timeout", "5", "--secret-file", "/s", "--signal-grace", "8"]);
        Assert.Equal(TimeSpan.FromSeconds(8), read.SignalGrace);
        var error = Assert.Throws<ArgumentException>(() => TestClusters.Slurm(new SlurmOptions { Cores = 1, Memory = "1GB", WorkerSignalGrace = TimeSpan.Zero }));
        Assert.StartsWith("SlurmOptions.WorkerSignalGrace = 00:00:00 must be positive", error.Message);
    }

    [Fact]
    public void A_margin_as_long_as_the_walltime_is_refused_naming_both()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            TestClusters.Slurm(new SlurmOptions { Cores = 1, Memory = "1GB", Walltime = "00:10:00", WorkerLifetimeMargin = TimeSpan.FromMinutes(10) }));

        Assert.Contains("SlurmOptions.WorkerLifetimeMargin", error.Message);
        Assert.Contains("SlurmOptions.Walltime", error.Message);
    }

    [Fact]
    public void A_worker_command_line_with_a_negative_lifetime_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            WorkerCommandLine.Parse(["--scheduler", "tcp://h:1", "--name", "w", "--nthreads", "1", "--memory-limit", "1GiB", "--death-timeout", "5", "--secret-file", "/s", "--lifetime", "-3"]));

        Assert.Contains("--lifetime", error.Message);
    }
}
