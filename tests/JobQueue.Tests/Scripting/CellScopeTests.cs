using JobQueue.Scripting;

namespace JobQueue.Tests.Scripting;

/// <summary>A notebook kernel's interrupt reaches the cluster calls a cell makes, without the cell passing a token.</summary>
public sealed class CellScopeTests : IAsyncLifetime
{
    private readonly LocalCluster _cluster = new(new LocalOptions { Workers = 1, ThreadsPerWorker = 2, Name = "scope" });

    public Task InitializeAsync() => _cluster.WaitForWorkersAsync(1);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task An_interrupt_cancels_the_Gather_and_the_Map_of_the_cell()
    {
        using var interrupt = new CancellationTokenSource();
        MapResult<int> slow;
        Task<int[]> gathering;
        using (CellScope.Enter(interrupt.Token))
        {
            slow = _cluster.Map(Sleep, Enumerable.Range(0, 100));
            gathering = _cluster.Gather(slow);
        }

        await interrupt.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gathering);
        Assert.All(slow, future => Assert.NotEqual(FutureStatus.Pending, future.Status));
        Assert.True(slow.Counts.Failed > 0, slow.ToString());
    }

    [Fact]
    public async Task An_interrupt_ends_WaitForWorkersAsync_and_AsCompleted_as_cancelled_rather_than_timed_out()
    {
        using var interrupt = new CancellationTokenSource();
        Task waiting;
        Task<List<Future<int>>> following;
        using (CellScope.Enter(interrupt.Token))
        {
            waiting = _cluster.WaitForWorkersAsync(5, TimeSpan.FromMinutes(5));
            following = _cluster.AsCompleted(_cluster.Map(Sleep, Enumerable.Range(0, 100))).ToListAsync().AsTask();
        }

        await interrupt.CancelAsync();

        var waitError = await Assert.ThrowsAnyAsync<Exception>(() => waiting);
        Assert.IsAssignableFrom<OperationCanceledException>(waitError);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => following);
    }

    [Fact]
    public async Task Calls_outside_the_cell_scope_ignore_its_interrupt()
    {
        using var interrupt = new CancellationTokenSource();
        using (CellScope.Enter(interrupt.Token))
        {
            await interrupt.CancelAsync();
        }

        var results = await _cluster.Gather(_cluster.Map((int x) => x + 1, new[] { 1, 2, 3 }));

        Assert.Equal([2, 3, 4], results);
        Assert.Null(CellScope.Current);
    }

    [Fact]
    public async Task A_map_result_shows_its_counts_rather_than_its_futures()
    {
        var map = _cluster.Map((int x) => x * 2, new[] { 1, 2, 3 });
        await _cluster.Gather(map);

        Assert.Equal("MapResult<Int32>: 3 tasks: 3 done, 0 running, 0 queued, 0 failed", map.ToString());
        Assert.Equal(new MapCounts(3, 0, 0, 0), map.Counts);
    }

    private static int Sleep(int x)
    {
        Thread.Sleep(100);
        return x;
    }
}
