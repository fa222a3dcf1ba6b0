using JobQueue.Serialization;

namespace JobQueue.Tests.Shipping;

/// <summary>A large value that many tasks capture travels once per worker, not once per task.</summary>
public sealed class LargeValueTests(IsolatedWorkerHost host) : IClassFixture<IsolatedWorkerHost>
{
    private const int Workers = 2;

    [Fact]
    public async Task A_value_captured_by_ten_thousand_tasks_is_sent_once_per_worker()
    {
        var table = Enumerable.Range(0, 12_500).Select(i => i * 0.5).ToArray();
        await using var cluster = NewCluster("captured");
        await cluster.WaitForWorkersAsync(Workers, TimeSpan.FromSeconds(60));
        Assert.Equal(1, await cluster.Submit(() => 1)); // ships the code, so the counter below sees only the table
        var before = cluster.FileBytesSent;

        var futures = Enumerable.Range(0, 10_000).Select(i => cluster.Submit(() => table[i]).AsTask()).ToArray();
        var results = await Task.WhenAll(futures);

        Assert.Equal(Enumerable.Range(0, 10_000).Select(i => i * 0.5), results);
        var tableBytes = ValueCodec.Encode(table, TypeAllowlist.Client).Length;
        Assert.InRange(cluster.FileBytesSent - before, tableBytes, Workers * tableBytes);
    }

    [Fact]
    public async Task A_scattered_value_is_fetched_once_per_worker_and_read_through_its_handle()
    {
        await using var cluster = NewCluster("scatter");
        await cluster.WaitForWorkersAsync(Workers, TimeSpan.FromSeconds(60));
        Assert.Equal(1, await cluster.Submit(() => 1));
        var before = cluster.FileBytesSent;
        var words = cluster.Scatter(Enumerable.Range(0, 1_000).ToDictionary(i => i, i => $"word {i}"));

        var found = await cluster.Gather(cluster.Map((int key) => words.Value[key], Enumerable.Range(0, 1_000)));
        var lengths = await cluster.Gather(Enumerable.Range(0, 200).Select(i => cluster.Submit(() => words.Value[i].Length)));

        Assert.Equal(Enumerable.Range(0, 1_000).Select(i => $"word {i}"), found);
        Assert.Equal(Enumerable.Range(0, 200).Select(i => $"word {i}".Length), lengths);
        Assert.InRange(cluster.FileBytesSent - before, words.Size, Workers * words.Size);
    }

    private LocalCluster NewCluster(string name) =>
        new(new LocalOptions { Workers = Workers, Name = name, LocalDirectory = host.NewLocalDirectory() }) { WorkerEntryAssembly = host.EntryAssembly };
}
