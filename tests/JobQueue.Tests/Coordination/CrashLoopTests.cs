using JobQueue.Tests.BatchSystems;
using JobQueue.Tests.Shipping;
using JobQueue.Worker;

namespace JobQueue.Tests.Coordination;

/// <summary>
/// Workers that die before connecting (here: a WorkerHost without JobQueue.dll beside it) are restarted with a growing
/// delay, a bounded number of times, and then waiting, Map and Gather fail saying why instead of hanging.
/// </summary>
public sealed class CrashLoopTests(IsolatedWorkerHost host) : IClassFixture<IsolatedWorkerHost>
{
    [Fact]
    public async Task Workers_that_cannot_start_fail_the_wait_and_the_map_with_their_exit_code_and_standard_error()
    {
        var broken = Directory.CreateTempSubdirectory("jobqueue-broken-host-").FullName;
        foreach (var file in Directory.GetFiles(host.Directory).Where(file => Path.GetFileName(file) != "JobQueue.dll"))
        {
            File.Copy(file, Path.Combine(broken, Path.GetFileName(file)));
        }

        using var log = new CollectingLoggerFactory();
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 1, Name = "broken", LoggerFactory = log })
        {
            WorkerEntryAssembly = Path.Combine(broken, "WorkerHost.dll"),
        };

        var error = await Assert.ThrowsAsync<WorkersDidNotStartException>(() => cluster.WaitForWorkersAsync(1, TimeSpan.FromMinutes(2)));

        Assert.Matches(@"^Worker broken-0 \(process \d+\) exited with code \d+ before connecting, 5 times in a row\.", error.Message);
        Assert.NotEqual(0, error.Job.ExitCode);
        Assert.Contains("Could not load file or assembly 'JobQueue", error.LogTail);
        Assert.InRange(cluster.WorkerStarts, WorkerRestarts.StartFailuresToGiveUp, WorkerRestarts.StartFailuresToGiveUp + 1);
        Assert.Single(log.Warnings, warning => warning.Contains("exited with code", StringComparison.Ordinal));

        var mapped = await Assert.ThrowsAsync<WorkersDidNotStartException>(() => cluster.Gather(cluster.Map((int x) => x + 1, [1, 2, 3])));
        Assert.Equal(error.Message, mapped.Message);
        Directory.Delete(broken, recursive: true);
    }
}
