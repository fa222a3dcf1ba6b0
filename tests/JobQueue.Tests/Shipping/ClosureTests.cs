using JobQueue.Tests.BatchSystems;

namespace JobQueue.Tests.Shipping;

/// <summary>Only what a lambda reads travels; what it reads and cannot travel is refused at the call, with its path.</summary>
public sealed class ClosureTests(IsolatedWorkerHost host) : IClassFixture<IsolatedWorkerHost>
{
    // Changed here and read on the workers by one test only: the warning is said once per field and process.
    private static int threshold = 10;

    [Fact]
    public async Task A_lambda_in_a_class_that_holds_the_cluster_runs_without_it()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 2, Name = "prune", LocalDirectory = host.NewLocalDirectory() })
        {
            WorkerEntryAssembly = host.EntryAssembly,
        };
        var analysis = new Analysis(cluster, factor: 7);

        Assert.Equal(Enumerable.Range(0, 20).Select(x => x * 7), await analysis.ScaleAllAsync(Enumerable.Range(0, 20)));
    }

    [Fact]
    public async Task A_lambda_that_really_uses_the_cluster_is_refused_with_the_path_of_the_capture()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 1, Name = "refuse" });
        var analysis = new Analysis(cluster, factor: 7);

        var error = Assert.Throws<ArgumentException>(analysis.CountWorkersRemotely);

        Assert.True(error.Message.Contains("closure.<>4__this.cluster", StringComparison.Ordinal), error.Message);
        Assert.Contains("Cluster cannot be sent to a worker", error.Message);
    }

    [Fact]
    public async Task A_lambda_reading_a_user_static_field_is_warned_about_by_name_and_sees_the_workers_value()
    {
        var logging = new CollectingLoggerFactory();
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 1, Name = "static-field", LoggerFactory = logging });
        threshold = 99;

        var above = await cluster.Gather(cluster.Map((int x) => x > threshold, [50, 150]));

        Assert.Equal([true, true], above);
        var warning = Assert.Single(logging.Warnings, message => message.Contains("reads static", StringComparison.Ordinal));
        Assert.Contains($"reads static {nameof(ClosureTests)}.{nameof(threshold)}: each worker reads its own copy", warning);
    }

    private sealed class Analysis(Cluster cluster, int factor)
    {
        private readonly Cluster cluster = cluster;
        private readonly int factor = factor;
        private readonly Stream log = Stream.Null;

        public Task<int[]> ScaleAllAsync(IEnumerable<int> items) => cluster.Gather(cluster.Map((int x) => Scale(x), items));

        public Future<int> CountWorkersRemotely()
        {
            var offset = 1;
            return cluster.Submit(() => cluster.Workers.Count + factor + offset);
        }

        private int Scale(int x) => x * factor;

        public override string ToString() => $"{log}";
    }
}
