using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using JobQueue.Tests.Coordination;
using JobQueue.Worker;
using JobQueue.Protocol;
using JobQueue.JobScripts;

namespace JobQueue.Tests.Transport;

/// <summary>Workers and coordinator notice a peer that froze or never answers, within bounds, and lose no task over it.</summary>
public sealed partial class LivenessTests
{
    private static readonly TimeSpan DeathTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The issue's bound: a worker gives up on a silent coordinator within its death timeout and 10 s.</summary>
    private static readonly TimeSpan ExitBound = DeathTimeout + TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_worker_whose_coordinator_froze_exits_with_code_4_and_starts_nothing_it_had_queued()
    {
        var directory = Directory.CreateTempSubdirectory("jobqueue-frozen-");
        var records = Path.Combine(directory.FullName, "records");
        using var client = ClientProcess.Start("frozen", directory.FullName);
        Process? worker = null;
        try
        {
            var script = await ReadUntilAsync(client, "ready");
            var silentSince = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
            worker = WorkerHostProcess.Start(
                [.. WorkerArguments(script), "--death-timeout", $"{DeathTimeout.TotalSeconds}", "--no-nanny"], // the bound is the worker's own
                errorLines: line =>
                {
                    if (line.Contains("has been silent", StringComparison.Ordinal))
                    {
                        silentSince.TrySetResult(Started(records));
                    }
                });
            await Eventually.HoldsAsync(() => Started(records) >= 3, TimeSpan.FromSeconds(60), "the worker started items");

            Signal(client.Id, "-STOP");
            var frozenAt = Stopwatch.StartNew();
            var startedWhenNoticed = await silentSince.Task.WaitAsync(TimeSpan.FromSeconds(60));
            await worker.WaitForExitAsync(new CancellationTokenSource(ExitBound - frozenAt.Elapsed).Token);

            Assert.Equal((int)WorkerExit.CoordinatorGone, worker.ExitCode);
            Assert.Equal(startedWhenNoticed, Started(records));
            Assert.True(startedWhenNoticed < 200, $"{startedWhenNoticed} items started: the worker ran on through its queue");
        }
        finally
        {
            Signal(client.Id, "-CONT");
            client.Kill();
            worker?.Kill();
            worker?.Dispose();
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_worker_facing_a_server_that_accepts_and_never_answers_exits_with_code_4()
    {
        var directory = Directory.CreateTempSubdirectory("jobqueue-mute-");
        var mute = new TcpListener(IPAddress.Loopback, 0);
        mute.Start(backlog: 16);
        try
        {
            var secretFile = WorkerHostProcess.SecretFile(directory.FullName, RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(32));
            var started = Stopwatch.StartNew();
            using var worker = WorkerHostProcess.Start(new WorkerCommandLine
            {
                Scheduler = $"tcp://127.0.0.1:{((IPEndPoint)mute.LocalEndpoint).Port}", Name = "patient", Threads = 1,
                MemoryLimit = new JobQueue.JobScripts.MemorySize(1 << 30), DeathTimeout = DeathTimeout, SecretFile = secretFile, Nanny = false, // the bound is the worker's own
            }.ToArguments());
            using var accepted = await mute.AcceptTcpClientAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);

            await worker.WaitForExitAsync(new CancellationTokenSource(ExitBound - started.Elapsed).Token);

            Assert.Equal((int)WorkerExit.CoordinatorGone, worker.ExitCode);
        }
        finally
        {
            mute.Stop();
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_frozen_worker_is_taken_for_dead_and_its_items_finish_elsewhere()
    {
        var records = Directory.CreateTempSubdirectory("jobqueue-frozen-worker-");
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 2, ThreadsPerWorker = 1, Name = "stiff", DashboardAddress = null });
        await cluster.WaitForWorkersAsync(2, TimeSpan.FromSeconds(60));
        var frozen = cluster.Workers.OrderBy(worker => worker.Name).First();
        var directory = records.FullName;
        var futures = cluster.Map((int x) =>
        {
            ExecutionRecords.Record(directory, x, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Thread.Sleep(100);
            return x * 3;
        }, Enumerable.Range(0, 300), new MapOptions { BatchSize = 1 });
        try
        {
            await Eventually.HoldsAsync(
                () => ExecutionRecords.Read(directory).Any(record => record.Where == $"{frozen.ProcessId}"), TimeSpan.FromSeconds(60), "the worker to freeze took items");
            Signal(frozen.ProcessId, "-STOP");

            Assert.Equal(Enumerable.Range(0, 300).Select(x => x * 3), await cluster.Gather(futures).WaitAsync(TimeSpan.FromMinutes(3)));
            Assert.DoesNotContain(cluster.Workers, worker => worker.ProcessId == frozen.ProcessId);
        }
        finally
        {
            // Killed, not thawed: a thawed worker would go on writing records.
            Signal(frozen.ProcessId, "-KILL");
            await Eventually.HoldsAsync(() => !ProcessState.IsRunning(frozen.ProcessId), TimeSpan.FromSeconds(30), "the frozen worker is gone");
            records.Delete(recursive: true);
        }
    }

    private static int Started(string records) => Directory.Exists(records) ? Directory.GetFiles(records).Length : 0;

    private static async Task<string> ReadUntilAsync(Process process, string last)
    {
        var text = new System.Text.StringBuilder();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line && line != last)
        {
            text.AppendLine(line);
        }

        return text.ToString();
    }

    /// <summary>The worker's --scheduler and --secret-file from a job script, as a batch job would pass them.</summary>
    private static string[] WorkerArguments(string script) =>
    [
        "--scheduler", SchedulerPattern().Match(script).Groups[1].Value, "--secret-file", SecretFilePattern().Match(script).Groups[1].Value,
        "--name", "thawing", "--nthreads", "1", "--memory-limit", "1GiB",
    ];

    private static void Signal(int processId, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", [signal, processId.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false, RedirectStandardError = true });
        kill!.WaitForExit();
    }

    [GeneratedRegex(@"--scheduler (\S+)")]
    private static partial Regex SchedulerPattern();

    [GeneratedRegex(@"--secret-file (\S+)")]
    private static partial Regex SecretFilePattern();
}
