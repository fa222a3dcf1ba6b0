namespace JobQueue.Tests.Maps;

public sealed class MapWindowTests
{
    [Fact]
    public async Task A_map_sends_its_items_a_window_at_a_time_and_every_item_still_gets_its_result()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 2, ThreadsPerWorker = 1, Name = "map-window" });
        await cluster.WaitForWorkersAsync(2, TimeSpan.FromSeconds(60));

        // A fixed partition of 10 items on 2 worker threads: a window of 8 partitions per thread, 160 items (each
        // item takes over a millisecond, more than a partition's target, so the measured cost does not widen it).
        var futures = cluster.Map(SlowSquare, Enumerable.Range(0, 3000), new MapOptions { BatchSize = 10 });
        var mostInFlight = 0;
        while (!futures.Items.Ended.IsCompleted)
        {
            mostInFlight = Math.Max(mostInFlight, futures.Items.InFlight);
            await Task.WhenAny(futures.Items.Ended, Task.Delay(5));
        }

        Assert.Equal(Enumerable.Range(0, 3000).Select(x => x * x), await cluster.Gather(futures));
        Assert.InRange(mostInFlight, 1, 160);
        Assert.Equal(new MapCounts(3000, 0, 0, 0), futures.Counts);
    }

    private static int SlowSquare(int x)
    {
        Thread.Sleep(1);
        return x * x;
    }
}
