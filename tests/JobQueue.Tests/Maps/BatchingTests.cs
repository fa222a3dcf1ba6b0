using System.Diagnostics;
using JobQueue.Tests.Coordination;

namespace JobQueue.Tests.Maps;

public sealed class BatchingTests
{
    private static readonly TimeSpan ConnectLimit = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_map_of_200k_tiny_tasks_travels_in_far_fewer_partitions_and_every_item_gets_its_own_result()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 2, ThreadsPerWorker = 1 });
        await cluster.WaitForWorkersAsync(2, ConnectLimit);

        var futures = cluster.Map((int x) => (2 * x) + 1, Enumerable.Range(0, 200_000));
        var results = await cluster.Gather(futures);

        Assert.Equal(Enumerable.Range(0, 200_000).Select(x => (2 * x) + 1), results);
        Assert.All(futures, future => Assert.Equal(FutureStatus.Finished, future.Status));
        var profile = futures.Profile;
        Assert.Equal(200_000, profile.Items);
        Assert.InRange(profile.Partitions, 1, 200_000 / 50);
        // The size learned depends on how fast this machine ran the items (it is smaller under load); that it batches at all is the point.
        Assert.True(profile.EstimatedPartitionSize > 1, $"estimated partition size {profile.EstimatedPartitionSize}");
        Assert.True(profile.ComputeTime > TimeSpan.Zero);
        Assert.Contains("200,000 items", profile.ToString());
    }

    [Fact]
    public async Task BatchSize_fixes_the_items_per_message_and_1_sends_every_item_alone()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 2, ThreadsPerWorker = 1 });

        var alone = cluster.Map((int x) => x + 1, Enumerable.Range(0, 500), new MapOptions { BatchSize = 1 });
        var batched = cluster.Map((int x) => x + 2, Enumerable.Range(0, 1000), new MapOptions { BatchSize = 100 });

        Assert.Equal(Enumerable.Range(1, 500), await cluster.Gather(alone));
        Assert.Equal(Enumerable.Range(2, 1000), await cluster.Gather(batched));
        Assert.Equal((500, 500), (alone.Profile.Items, alone.Profile.Partitions));
        Assert.Equal((1000, 10), (batched.Profile.Items, batched.Profile.Partitions));
        Assert.Null(batched.Profile.EstimatedPartitionSize);
    }

    [Fact]
    public async Task ChunkSize_sends_the_items_chunk_by_chunk_and_every_item_still_gets_its_result()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 2, ThreadsPerWorker = 1 });

        var futures = cluster.Map((int x) => x * x, Enumerable.Range(0, 2000), new MapOptions { BatchSize = 10, ChunkSize = 300 });

        Assert.Equal(Enumerable.Range(0, 2000).Select(x => x * x), await cluster.Gather(futures));
        // 6 full chunks of 30 messages and a last chunk of 200 items: chunks never share a message.
        Assert.Equal(200, futures.Profile.Partitions);
    }

    [Fact]
    public async Task A_failing_item_fails_only_its_own_future_inside_a_batched_map()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 2, ThreadsPerWorker = 1 });

        var futures = cluster.Map((int x) => x == 4321 ? throw new InvalidOperationException($"item {x} is bad") : x * 3, Enumerable.Range(0, 10_000));

        var error = await Assert.ThrowsAsync<AggregateException>(() => cluster.Gather(futures, GatherErrors.CollectAll));
        var only = Assert.IsType<RemoteTaskException>(Assert.Single(error.InnerExceptions));
        Assert.Equal(("System.InvalidOperationException", "item 4321 is bad"), (only.RemoteType, only.Message));
        Assert.Equal(FutureStatus.Error, futures[4321].Status);
        Assert.All(Enumerable.Range(0, 10_000).Where(x => x != 4321), x => Assert.Equal(x * 3, futures[x].AsTask().Result));
        Assert.True(futures.Profile.Partitions < 10_000 / 10, $"{futures.Profile.Partitions} partitions: the map was not batched");
    }

    [Fact]
    public async Task A_worker_killed_in_the_middle_of_a_batched_map_loses_and_doubles_nothing()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 2, ThreadsPerWorker = 2, Name = "batchkill" });
        await cluster.WaitForWorkersAsync(2, ConnectLimit);
        var victim = cluster.WorkerProcessIds[0];
        const int count = 20_000;

        // About 50 us per item: the learned partitions hold a few dozen items, so partitions are in flight when the worker dies.
        var futures = cluster.Map((int x) =>
        {
            var until = Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 20_000);
            while (Stopwatch.GetTimestamp() < until)
            {
            }

            return x * 7;
        }, Enumerable.Range(0, count));
        var finished = 0;
        await foreach (var _ in cluster.AsCompleted(futures))
        {
            if (++finished == count / 5)
            {
                Process.GetProcessById(victim).Kill(); // SIGKILL
                break;
            }
        }

        var results = await cluster.Gather(futures);

        Assert.Equal(Enumerable.Range(0, count).Select(x => x * 7), results);
        Assert.Equal(count, futures.Profile.Items); // each item's result was taken once
        Assert.True(futures.Profile.Partitions < count / 5, $"{futures.Profile.Partitions} partitions: the map was not batched");
        await Eventually.HoldsAsync(() => cluster.Workers.Count == 2 && !cluster.WorkerProcessIds.Contains(victim), ConnectLimit, "the killed worker was replaced");
    }

    [Theory]
    [InlineData(0, null, "MapOptions.BatchSize = 0", "BatchSize = 100")]
    [InlineData(null, -5, "MapOptions.ChunkSize = -5", "ChunkSize = 10000")]
    [InlineData(100, 10, "MapOptions.ChunkSize = 10 is smaller than MapOptions.BatchSize = 100", "e.g. BatchSize = 100 with ChunkSize = 10000")]
    public async Task Bad_map_options_are_refused_naming_the_option_and_an_accepted_value(int? batchSize, int? chunkSize, string named, string example)
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 1 });

        var error = Assert.Throws<ArgumentException>(() => cluster.Map((int x) => x, [1, 2, 3], new MapOptions { BatchSize = batchSize, ChunkSize = chunkSize }));

        Assert.Contains(named, error.Message);
        Assert.Contains(example, error.Message);
        Assert.Empty(cluster.Workers); // refused before anything started
    }
}
