using System.Security.Cryptography;

namespace JobQueue.Tests.Shipping;

/// <summary>File serving with flow control: many workers fetching one large scattered value at once each get all of it.</summary>
public sealed class ScatteredFetchTests(IsolatedWorkerHost host) : IClassFixture<IsolatedWorkerHost>
{
    private const int Workers = 8;

    [Fact]
    public async Task Eight_workers_fetching_one_large_scattered_value_at_once_each_get_it_whole()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = Workers, ThreadsPerWorker = 1, Name = "fetchers", LocalDirectory = host.NewLocalDirectory(), DashboardAddress = null })
        {
            WorkerEntryAssembly = host.EntryAssembly,
        };
        await cluster.WaitForWorkersAsync(Workers, TimeSpan.FromSeconds(120));
        var value = new byte[64 << 20];
        new Random(17).NextBytes(value);
        var expected = Convert.ToHexString(SHA256.HashData(value));
        var scattered = cluster.Scatter(value);

        // Partitions of one are dealt round the workers, so every worker needs the value for its first item.
        var read = await cluster.Gather(cluster.Map((int _) => (Environment.ProcessId, Convert.ToHexString(SHA256.HashData(scattered.Value))), Enumerable.Range(0, 2 * Workers), new MapOptions { BatchSize = 1 }));

        Assert.All(read, item => Assert.Equal(expected, item.Item2));
        Assert.Equal(cluster.Workers.Select(worker => worker.ProcessId).Order(), read.Select(item => item.ProcessId).Distinct().Order());
    }
}
