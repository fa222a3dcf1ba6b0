using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using JobQueue.Coordination;
using JobQueue.JobScripts;
using JobQueue.Worker;

namespace JobQueue.Tests.Coordination;

/// <summary>The WorkerHost as a batch job starts it is a nanny, which restarts its worker, within reason.</summary>
public sealed class NannyTests
{
    [Fact]
    public async Task A_nanny_whose_worker_keeps_dying_young_gives_up_and_ends_the_job_with_a_log_line_and_exit_code_6()
    {
        var directory = Directory.CreateTempSubdirectory("jobqueue-nanny-");
        var coordinator = StandaloneCoordinator.Start(
            new CoordinatorSettings("127.0.0.1", [0], null, null, Path.Combine(directory.FullName, "secrets", "c.secret")));
        var lines = new ConcurrentQueue<string>();
        try
        {
            using var job = WorkerHostProcess.Start(
                new WorkerCommandLine
                {
                    Scheduler = coordinator.Address, Name = "doomed", JobId = "9", Threads = 1, MemoryLimit = new MemorySize(1L << 30),
                    DeathTimeout = TimeSpan.FromSeconds(60), SecretFile = coordinator.SecretPath,
                }.ToArguments(),
                lines.Enqueue);

            // Every worker the nanny starts is killed as soon as it registers, until the nanny gives up.
            var killed = new HashSet<int>();
            await Eventually.HoldsAsync(
                () =>
                {
                    foreach (var worker in coordinator.Workers.Where(worker => killed.Add(worker.ProcessId)))
                    {
                        Assert.NotEqual(job.Id, worker.ProcessId);
                        using var kill = Process.Start("kill", ["-KILL", worker.ProcessId.ToString(CultureInfo.InvariantCulture)]);
                        kill.WaitForExit();
                    }

                    return job.HasExited;
                },
                TimeSpan.FromMinutes(2), "the nanny gave up");

            await job.WaitForExitAsync();
            Assert.Equal((int)WorkerExit.WorkersKeptDying, job.ExitCode);
            Assert.Equal(WorkerRestarts.StartFailuresToGiveUp, killed.Count);
            Assert.Equal(WorkerRestarts.StartFailuresToGiveUp - 1, lines.Count(line => line.Contains("restarting it in", StringComparison.Ordinal)));
            Assert.Single(lines, line => line.Contains("doomed (nanny): Worker doomed", StringComparison.Ordinal) && line.Contains("giving up and ending the job with exit code 6", StringComparison.Ordinal));
        }
        finally
        {
            await coordinator.DisposeAsync();
            directory.Delete(recursive: true);
        }
    }
}
