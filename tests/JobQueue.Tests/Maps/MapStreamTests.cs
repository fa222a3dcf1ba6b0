using JobQueue.Tests.Checkpoints;

namespace JobQueue.Tests.Maps;

public sealed class MapStreamTests
{
    private static readonly TimeSpan ConnectLimit = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Results_come_in_input_order_although_later_items_finish_first()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 2, ThreadsPerWorker = 2, Name = "stream-order" });
        await cluster.WaitForWorkersAsync(2, ConnectLimit);

        // Every fifth item is slow, so the items after it, on other threads, finish before it.
        var results = new List<int>();
        await foreach (var result in cluster.MapStream(SlowEveryFifth, Enumerable.Range(0, 400), new MapOptions { BatchSize = 1 }))
        {
            results.Add(result);
        }

        Assert.Equal(Enumerable.Range(0, 400).Select(x => 3 * x), results);
    }

    [Fact]
    public async Task The_input_is_read_at_most_MaxInFlight_items_ahead_of_the_results()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 2, ThreadsPerWorker = 1, Name = "stream-lazy" });
        var input = new CountingInput(5000);

        var yielded = 0;
        var furthestAhead = 0;
        await foreach (var result in cluster.MapStream((int x) => x + 1, input.Items(), new MapOptions { MaxInFlight = 64 }))
        {
            Assert.Equal(yielded + 1, result);
            yielded++;
            furthestAhead = Math.Max(furthestAhead, input.Read - yielded);
        }

        Assert.Equal((5000, 5000), (yielded, input.Read));
        Assert.InRange(furthestAhead, 1, 64);
    }

    [Fact]
    public async Task An_asynchronous_input_and_an_asynchronous_function_stream_too()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 2, ThreadsPerWorker = 1, Name = "stream-async" });

        var results = new List<string>();
        await foreach (var result in cluster.MapStream(DescribeAsync, SlowInput(300), new MapOptions { MaxInFlight = 32 }))
        {
            results.Add(result);
        }

        Assert.Equal(Enumerable.Range(0, 300).Select(x => $"item {x}"), results);
    }

    [Fact]
    public async Task The_first_failure_throws_RemoteTaskException_naming_the_item_after_every_earlier_result()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 2, ThreadsPerWorker = 1, Name = "stream-failure" });

        var results = new List<int>();
        var failure = await Assert.ThrowsAsync<RemoteTaskException>(async () =>
        {
            await foreach (var result in cluster.MapStream((int x) => x == 637 ? throw new InvalidOperationException($"{x} is bad") : 2 * x, Enumerable.Range(0, 5000)))
            {
                results.Add(result);
            }
        });

        Assert.Equal("System.InvalidOperationException", failure.RemoteType);
        Assert.Equal("Item 637 of the stream failed: 637 is bad", failure.Message);
        Assert.Equal(Enumerable.Range(0, 637).Select(x => 2 * x), results);
    }

    [Fact]
    public async Task Breaking_out_of_the_loop_cancels_what_is_queued_so_workers_get_no_new_items()
    {
        using var log = new ExecutionLog();
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 2, ThreadsPerWorker = 1, Name = "stream-break" });
        await cluster.WaitForWorkersAsync(2, ConnectLimit);
        const int maxInFlight = 40;

        var taken = 0;
        await foreach (var _ in cluster.MapStream(ExecutionLog.CountedSquare(log.Directory), Enumerable.Range(0, 100_000), new MapOptions { MaxInFlight = maxInFlight, BatchSize = 1 }))
        {
            if (++taken == 10)
            {
                break;
            }
        }

        // A later map queues behind whatever the stream left queued: once it has run, every stream item that was
        // still going to reach a worker has done so.
        Assert.Equal(new[] { 1, 2 }, await cluster.Gather(cluster.Map((int x) => x, [1, 2], new MapOptions { BatchSize = 1 })));
        var ran = log.Items();
        Assert.InRange(ran.Count, taken, taken + maxInFlight);
        Assert.All(ran, item => Assert.InRange(item, 0, taken + maxInFlight - 1));
    }

    [Fact]
    public async Task A_resumed_stream_runs_only_the_items_not_stored_and_yields_every_result_in_order()
    {
        using var database = new TestSqlite();
        using var log = new ExecutionLog();
        var failOn60 = Path.Combine(log.Directory, "..", $"{Path.GetFileName(log.Directory)}-fail");
        var options = new MapOptions { Checkpoint = database.Path, BatchSize = 1, MaxInFlight = 16 };
        var function = FailingOn60WhileMarked(log.Directory, failOn60);

        File.WriteAllText(failOn60, "");
        var first = new List<int>();
        await using (var cluster = new LocalCluster(new LocalOptions { Workers = 2, Name = "stream-checkpoint-first" }))
        {
            var failure = await Assert.ThrowsAsync<RemoteTaskException>(async () =>
            {
                await foreach (var result in cluster.MapStream(function, Enumerable.Range(0, 100), options))
                {
                    first.Add(result);
                }
            });
            Assert.StartsWith("Item 60 of the stream failed", failure.Message, StringComparison.Ordinal);
        }

        File.Delete(failOn60);
        Assert.Equal(Enumerable.Range(0, 60).Select(x => x * x), first);
        var stored = database.StoredResults();
        var ranFirst = log.Items();

        await using var second = new LocalCluster(new LocalOptions { Workers = 2, Name = "stream-checkpoint-second" });
        var results = new List<int>();
        await foreach (var result in second.MapStream(function, Enumerable.Range(0, 100), options))
        {
            results.Add(result);
        }

        Assert.Equal(Enumerable.Range(0, 100).Select(x => x * x), results);
        // The log's files are per worker process, in no order: what the second run ran is what the log gained.
        var ranSecond = log.Items();
        ranFirst.ForEach(item => ranSecond.Remove(item));
        Assert.Equal(100 - stored, ranSecond.Count);
        Assert.DoesNotContain(ranSecond, item => item < 60);
        Assert.Equal(100L, database.StoredResults());
    }

    private static int SlowEveryFifth(int x)
    {
        Thread.Sleep(x % 5 == 0 ? 20 : 0);
        return 3 * x;
    }

    private static async Task<string> DescribeAsync(int x, CancellationToken cancellationToken)
    {
        await Task.Yield();
        return $"item {x}";
    }

    // Every tenth item comes after a pause, as from a slow producer: the stream sends what it has meanwhile.
    private static async IAsyncEnumerable<int> SlowInput(int count)
    {
        for (var i = 0; i < count; i++)
        {
            if (i % 10 == 0)
            {
                await Task.Delay(1);
            }

            yield return i;
        }
    }

    private static Func<int, int> FailingOn60WhileMarked(string directory, string marker) => x =>
    {
        if (x == 60 && File.Exists(marker))
        {
            throw new InvalidOperationException("marked to fail");
        }

        ExecutionLog.Record(directory, x);
        return x * x;
    };

    /// <summary>An input that counts how many items the stream has read from it.</summary>
    private sealed class CountingInput(int count)
    {
        private int _read;

        public int Read => Volatile.Read(ref _read);

        public IEnumerable<int> Items()
        {
            for (var i = 0; i < count; i++)
            {
                Interlocked.Increment(ref _read);
                yield return i;
            }
        }
    }
}
