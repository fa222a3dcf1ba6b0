using JobQueue.JobScripts;
using JobQueue.Tests.BatchSystems;
using JobQueue.Tests.Coordination;

namespace JobQueue.Tests.Maps;

public sealed class ResourceTests : IDisposable
{
    private readonly DirectoryInfo _running = Directory.CreateTempSubdirectory("jobqueue-resources-");

    [Fact]
    public async Task Two_workers_of_one_gpu_with_two_threads_each_run_at_most_two_items_asking_for_a_gpu_at_once()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 2, ThreadsPerWorker = 2, Name = "gpu", WorkerResources = new Dictionary<string, double> { ["gpu"] = 1 } });
        await cluster.WaitForWorkersAsync(2, TimeSpan.FromSeconds(60));
        var running = _running.FullName;

        var unlimited = await cluster.Gather(cluster.Map((int _) => Overlap(running), Enumerable.Range(0, 40), new MapOptions { BatchSize = 1 }));
        var limited = await cluster.Gather(cluster.Map((int _) => Overlap(running), Enumerable.Range(0, 40), new MapOptions { BatchSize = 1, Resources = new Dictionary<string, double> { ["gpu"] = 1 } }));

        // The measure sees more than two at once when nothing limits them, so that two is the limit's doing.
        Assert.True(unlimited.Max(item => item.Overlap) > 2, $"at most {unlimited.Max(item => item.Overlap)} items overlapped without resources: {string.Join(", ", unlimited)}");
        Assert.InRange(limited.Max(item => item.Overlap), 1, 2);
        Assert.Equal(["gpu-0", "gpu-1"], limited.Select(item => item.Worker).Distinct().Order());
    }

    [Fact]
    public async Task Items_asking_for_resources_no_worker_has_wait_and_are_reported_without_holding_up_others()
    {
        var log = new CollectingLoggerFactory();
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 1, Name = "nogpu", LoggerFactory = log, WorkerResources = new Dictionary<string, double> { ["gpu"] = 1 } });
        await cluster.WaitForWorkersAsync(1, TimeSpan.FromSeconds(60));

        var waiting = cluster.Map((int x) => x, Enumerable.Range(0, 3), new MapOptions { Resources = new Dictionary<string, double> { ["gpu"] = 2 }, Priority = 5 });
        var other = await cluster.Submit(() => 7);

        Assert.Equal(7, other);
        await Eventually.HoldsAsync(() => cluster.ToString().EndsWith("; waiting for resources no worker has: map 0 (3 items): gpu=2", StringComparison.Ordinal), TimeSpan.FromSeconds(30), $"ToString() reports the waiting items: {cluster}");
        Assert.Contains(log.Warnings, warning => warning.Contains("map 0 ask for resources gpu=2 that no connected worker has", StringComparison.Ordinal));
        Assert.All(waiting, future => Assert.Equal(FutureStatus.Pending, future.Status));
    }

    [Theory]
    [InlineData("gpu", 0, "LocalOptions.WorkerResources[\"gpu\"] = 0 must be a number greater than 0")]
    [InlineData("g pu", 1, "LocalOptions.WorkerResources names a resource \"g pu\"")]
    public void Bad_worker_resources_are_refused_naming_the_option(string name, double amount, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => new LocalCluster(new LocalOptions { Workers = 1, WorkerResources = new Dictionary<string, double> { [name] = amount } }));

        Assert.StartsWith(expected, error.Message);
    }

    [Fact]
    public async Task Bad_item_resources_are_refused_naming_the_option()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 1 });

        var error = Assert.Throws<ArgumentException>(() => cluster.Map((int x) => x, [1], new MapOptions { Resources = new Dictionary<string, double> { ["gpu"] = double.NaN } }));

        Assert.StartsWith("MapOptions.Resources[\"gpu\"] = NaN must be a number greater than 0, e.g. Resources = { [\"gpu\"] = 1 }", error.Message);
    }

    [Fact]
    public void Worker_resources_travel_on_the_command_line_as_name_amount_pairs()
    {
        var written = new WorkerCommandLine
        {
            Scheduler = "tcp://127.0.0.1:40123", Name = "w-0", Threads = 2, MemoryLimit = new MemorySize(1 << 30), DeathTimeout = TimeSpan.FromSeconds(60),
            SecretFile = "/s", Resources = new Dictionary<string, double> { ["ssd"] = 0.5, ["gpu"] = 1 },
        };

        var arguments = written.ToArguments().ToArray();
        var read = WorkerCommandLine.Parse(arguments);
        var value = Array.IndexOf(arguments, "--resources") + 1;
        arguments[value] = "gpu=one";

        Assert.Equal("gpu=1,ssd=0.5", written.ToArguments()[value]);
        Assert.Equal(written.Resources.OrderBy(pair => pair.Key), read.Resources.OrderBy(pair => pair.Key));
        Assert.StartsWith("--resources \"gpu=one\" must be name=amount pairs", Assert.Throws<ArgumentException>(() => WorkerCommandLine.Parse(arguments)).Message);
    }

    public void Dispose() => _running.Delete(recursive: true);

    /// <summary>Marks the item running for a while, and returns how many items (itself included) it saw running at once.</summary>
    private static (string Worker, int Overlap) Overlap(string running)
    {
        var mark = Path.Combine(running, Guid.NewGuid().ToString("N"));
        File.WriteAllText(mark, "");
        var overlap = 0;
        for (var i = 0; i < 10; i++)
        {
            overlap = Math.Max(overlap, Directory.GetFiles(running).Length);
            Thread.Sleep(20);
        }

        File.Delete(mark);
        return (TaskContext.Current.WorkerName, overlap);
    }
}
