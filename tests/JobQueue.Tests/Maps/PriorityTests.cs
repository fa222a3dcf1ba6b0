using JobQueue.Tests.Coordination;

namespace JobQueue.Tests.Maps;

public sealed class PriorityTests
{
    [Fact]
    public async Task A_Submit_made_during_a_large_map_gets_its_result_while_most_of_the_map_is_still_queued()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 2, ThreadsPerWorker = 2, Name = "prio" });
        await cluster.WaitForWorkersAsync(2, TimeSpan.FromSeconds(60));
        using var stop = new CancellationTokenSource();
        var map = cluster.Map((int x) =>
        {
            Thread.Sleep(10);
            return x;
        }, Enumerable.Range(0, 10_000), cancellationToken: stop.Token);
        await Eventually.HoldsAsync(() => Done(map) >= 100, TimeSpan.FromSeconds(60), "the map is under way on both workers");

        var answer = await cluster.Submit(() => 42);
        var doneMeanwhile = Done(map);

        Assert.Equal(42, answer);
        Assert.True(doneMeanwhile < 5_000, $"{doneMeanwhile} of the map's 10,000 items were done when the Submit's result arrived");
        await stop.CancelAsync();
    }

    [Fact]
    public async Task A_map_of_higher_priority_goes_before_the_queued_items_of_an_earlier_one_and_a_lower_one_after()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 1, ThreadsPerWorker = 1, Name = "prio" });
        await cluster.WaitForWorkersAsync(1, TimeSpan.FromSeconds(60));

        var first = cluster.Map((int x) => Sleep(x), Enumerable.Range(0, 300), new MapOptions { BatchSize = 1 });
        var low = cluster.Map((int x) => Sleep(x), Enumerable.Range(0, 20), new MapOptions { BatchSize = 1, Priority = -1 });
        var high = cluster.Map((int x) => Sleep(x), Enumerable.Range(0, 20), new MapOptions { BatchSize = 1, Priority = 5 });
        await cluster.Gather(high);
        var firstDone = Done(first);
        var lowDone = Done(low);
        await cluster.Gather(low);

        Assert.True(firstDone < 250, $"{firstDone} of the first map's 300 items were done when the later map of priority 5 finished");
        Assert.Equal(0, lowDone);
        Assert.Equal(300, Done(first));
    }

    [Fact]
    public async Task Priority_accepts_any_whole_number()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 1 });

        var results = await cluster.Gather(
            [cluster.Submit(() => int.MinValue, new MapOptions { Priority = int.MinValue }), cluster.Submit(() => int.MaxValue, new MapOptions { Priority = int.MaxValue })]);

        Assert.Equal([int.MinValue, int.MaxValue], results);
    }

    private static int Sleep(int x)
    {
        Thread.Sleep(10);
        return x;
    }

    private static int Done<T>(MapResult<T> map) => map.Count(future => future.Status == FutureStatus.Finished);
}
