using System.Net;
using JobQueue.Dashboard;
using Microsoft.Extensions.Logging.Abstractions;

namespace JobQueue.Tests.Dashboard;

/// <summary>
/// A dashboard server fed what a Slurm cluster would show (three jobs, their logs, the workers and adaptive decision
/// set by the test), so that the batch panels are tested without a batch system.
/// </summary>
internal sealed class FakeSlurmCluster : IAsyncDisposable
{
    public static readonly DateTimeOffset Submitted = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);

    private readonly List<string> _logsAsked = [];
    private DashboardServer? _server;
    private AdaptDecision? _decision;
    private IReadOnlyList<WorkerSample> _workers = [];

    public string Link => _server!.Link;

    public IReadOnlyList<string> LogsAsked
    {
        get
        {
            lock (_logsAsked)
            {
                return [.. _logsAsked];
            }
        }
    }

    public AdaptDecision? Decision
    {
        set => Volatile.Write(ref _decision, value);
    }

    public IReadOnlyList<WorkerSample> Workers
    {
        set => Volatile.Write(ref _workers, value);
    }

    public static async Task<FakeSlurmCluster> StartAsync()
    {
        var cluster = new FakeSlurmCluster();
        var source = new DashboardSource(new DashboardBinding(IPAddress.Loopback, 0), "fake-slurm-token", cluster.Sample, cluster.ReadLogAsync, NullLoggerFactory.Instance)
        {
            SampleInterval = TimeSpan.FromMilliseconds(50),
        };
        cluster._server = await new KestrelDashboardFactory().StartAsync(source, CancellationToken.None);
        return cluster;
    }

    public static WorkerSample NewWorker(string name, long tasksDone, DateTimeOffset connectedAt) =>
        new(name, "node1", "4242", 4, 1L << 30, 1L << 28, 0, tasksDone, TimeSpan.Zero, connectedAt);

    public static AdaptDecision NewDecision(DateTimeOffset at, int target, string reason) => new(at, target, 2, 1, 120, 8, TimeSpan.FromSeconds(1), reason);

    public ValueTask DisposeAsync() => _server?.DisposeAsync() ?? ValueTask.CompletedTask;

    private DashboardSnapshot Sample() =>
        new("chem", "SlurmCluster", "tcp://127.0.0.1:40123", Volatile.Read(ref _workers), [], [])
        {
            Jobs =
            [
                new JobInfo("4242", JobState.Running, ["chem-0"], Submitted, Submitted, null, null, null),
                new JobInfo("4243", JobState.Pending, [], Submitted, null, null, null, "Resources"),
                new JobInfo("4244", JobState.Pending, [], Submitted, null, null, null, "Resources"),
            ],
            Decision = Volatile.Read(ref _decision),
        };

    private Task<JobLog> ReadLogAsync(string jobId, CancellationToken cancellationToken)
    {
        lock (_logsAsked)
        {
            _logsAsked.Add(jobId);
        }

        return jobId == "4242"
            ? Task.FromResult(new JobLog(jobId, "worker chem-0 started\n", "", ["/logs/chem-4242.out", "/logs/chem-4242.err"]))
            : Task.FromException<JobLog>(new ArgumentException($"This cluster has no job {jobId}."));
    }
}
