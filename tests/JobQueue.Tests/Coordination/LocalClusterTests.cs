namespace JobQueue.Tests.Coordination;

/// <summary>One LocalCluster of two real worker processes, shared by the tests of the client API.</summary>
public sealed class LocalClusterFixture : IAsyncLifetime
{
    public LocalCluster Cluster { get; } = new(new LocalOptions { Workers = 2, ThreadsPerWorker = 2, MemoryLimit = "1GiB", Name = "api" });

    public Task InitializeAsync() => Cluster.WaitForWorkersAsync(2, TimeSpan.FromSeconds(60));

    public Task DisposeAsync() => Cluster.DisposeAsync().AsTask();
}

public sealed record Point(int X, int Y);

public enum Colour
{
    Red,
    Green,
}

public sealed class Measurement
{
    public string Label { get; set; } = "";
    public List<double> Values { get; set; } = [];
    public Dictionary<string, int> Counts { get; set; } = [];
    public Colour Colour { get; set; }
}

public sealed class LocalClusterTests(LocalClusterFixture fixture) : IClassFixture<LocalClusterFixture>
{
    private readonly LocalCluster _cluster = fixture.Cluster;

    [Fact]
    public async Task Map_over_100k_items_with_a_captured_variable_returns_every_result_in_order()
    {
        var offset = 7;

        var results = await _cluster.Gather(_cluster.Map((int x) => (x * 2) + offset, Enumerable.Range(0, 100_000)));

        Assert.Equal(Enumerable.Range(0, 100_000).Select(x => (x * 2) + 7), results);
    }

    [Fact]
    public async Task A_throwing_function_surfaces_as_RemoteTaskException_with_type_message_and_remote_stack()
    {
        var future = _cluster.Submit(ThrowsOnWorker);

        var error = await Assert.ThrowsAsync<RemoteTaskException>(async () => await future);

        Assert.Equal("System.InvalidOperationException", error.RemoteType);
        Assert.Equal("no such sample", error.Message);
        Assert.Contains(nameof(ThrowsOnWorker), error.RemoteStackTrace);
        Assert.Equal(FutureStatus.Error, future.Status);
        Assert.Same(error, future.Exception);
    }

    [Fact]
    public async Task Gather_raises_the_first_failure_or_collects_them_all()
    {
        var futures = _cluster.Map((int x) => x % 3 == 0 ? throw new ArgumentException($"bad {x}") : x, Enumerable.Range(1, 9));

        await Assert.ThrowsAsync<RemoteTaskException>(() => _cluster.Gather(futures));
        var all = await Assert.ThrowsAsync<AggregateException>(() => _cluster.Gather(futures, GatherErrors.CollectAll));

        Assert.Equal(["bad 3", "bad 6", "bad 9"], all.InnerExceptions.Select(error => error.Message));
        Assert.Equal([1, 2, 4, 5, 7, 8], futures.Where(future => future.Status == FutureStatus.Finished).Select(future => future.AsTask().Result));
    }

    [Fact]
    public async Task Async_functions_run_and_return()
    {
        var results = await _cluster.Gather(_cluster.Map(async (int x, CancellationToken token) =>
        {
            await Task.Delay(1, token);
            return $"item {x}";
        }, Enumerable.Range(0, 50)));

        Assert.Equal(Enumerable.Range(0, 50).Select(x => $"item {x}"), results);
    }

    [Fact]
    public async Task An_async_task_runs_exactly_once()
    {
        var runs = Directory.CreateTempSubdirectory("jobqueue-runs-").FullName;
        try
        {
            var results = await _cluster.Gather(_cluster.Map(async (int x, CancellationToken token) =>
            {
                File.WriteAllText(Path.Combine(runs, $"{x}-{Guid.NewGuid():N}"), "");
                await Task.Delay(5, token);
                return x;
            }, Enumerable.Range(0, 20)));

            Assert.Equal(Enumerable.Range(0, 20), results);
            Assert.Equal(20, Directory.GetFiles(runs).Length);
        }
        finally
        {
            Directory.Delete(runs, recursive: true);
        }
    }

    [Fact]
    public async Task Records_collections_enums_and_POCOs_from_the_test_assembly_travel_as_arguments_and_results()
    {
        var moved = await _cluster.Gather(_cluster.Map((Point p) => p with { X = p.X + 1 }, [new Point(1, 2), new Point(10, 20)]));
        var measured = await _cluster.Submit((Measurement m) => new Measurement
        {
            Label = m.Label.ToUpperInvariant(),
            Values = m.Values.Select(v => v * 2).ToList(),
            Counts = m.Counts.ToDictionary(pair => pair.Key, pair => pair.Value + 1),
            Colour = m.Colour == Colour.Red ? Colour.Green : Colour.Red,
        }, new Measurement { Label = "a", Values = [1.5, 2.5], Counts = new() { ["x"] = 1 }, Colour = Colour.Red });

        Assert.Equal([new Point(2, 2), new Point(11, 20)], moved);
        Assert.Equal("A", measured.Label);
        Assert.Equal([3.0, 5.0], measured.Values);
        Assert.Equal(2, measured.Counts["x"]);
        Assert.Equal(Colour.Green, measured.Colour);
    }

    [Fact]
    public async Task Cancelling_stops_a_running_task_through_its_token_and_a_queued_one_before_it_starts()
    {
        var marker = Directory.CreateTempSubdirectory("jobqueue-cancel-").FullName;
        try
        {
            // Four slots (2 workers x 2 threads): item 0 runs; the rest of the Map cancelled through its token.
            using var stop = new CancellationTokenSource();
            var futures = _cluster.Map(async (int x, CancellationToken token) =>
            {
                File.WriteAllText(Path.Combine(marker, $"started-{x}"), "");
                try
                {
                    await Task.Delay(Timeout.Infinite, token);
                }
                catch (OperationCanceledException)
                {
                    File.WriteAllText(Path.Combine(marker, $"cancelled-{x}"), "");
                    throw;
                }

                return x;
            }, Enumerable.Range(0, 1000), cancellationToken: stop.Token);
            await Eventually.HoldsAsync(() => File.Exists(Path.Combine(marker, "started-0")), TimeSpan.FromSeconds(30), "task 0 started");

            futures[0].Cancel();
            await Eventually.HoldsAsync(() => File.Exists(Path.Combine(marker, "cancelled-0")), TimeSpan.FromSeconds(30), "task 0 saw its token cancelled");
            await stop.CancelAsync();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await futures[0]);
            Assert.All(futures, future => Assert.Equal(FutureStatus.Cancelled, future.Status));
            await Eventually.HoldsAsync(
                () => Directory.GetFiles(marker, "started-*").Length == Directory.GetFiles(marker, "cancelled-*").Length,
                TimeSpan.FromSeconds(30), "every started task saw its token cancelled");
            Assert.True(Directory.GetFiles(marker, "started-*").Length < 1000, "queued tasks never started");
            Assert.Equal(5, await _cluster.Submit((int x) => x + 1, 4));
        }
        finally
        {
            Directory.Delete(marker, recursive: true);
        }
    }

    [Fact]
    public async Task AsCompleted_yields_every_future_as_it_finishes()
    {
        var release = Path.Combine(Path.GetTempPath(), $"jobqueue-release-{Guid.NewGuid():N}");
        try
        {
            // The slow task holds one of four threads until the test has seen the fast one finish.
            var slow = _cluster.Submit(() =>
            {
                while (!File.Exists(release))
                {
                    Thread.Sleep(10);
                }

                return "slow";
            });
            var fast = _cluster.Submit(() => "fast");

            var order = new List<string>();
            await foreach (var future in _cluster.AsCompleted([slow, fast]))
            {
                order.Add(await future);
                File.WriteAllText(release, "");
            }

            Assert.Equal(["fast", "slow"], order);
        }
        finally
        {
            File.Delete(release);
        }
    }

    [Fact]
    public async Task Workers_report_their_name_host_process_threads_memory_limit_and_memory_use()
    {
        await Eventually.HoldsAsync(() => _cluster.Workers.All(worker => worker.ResidentMemory > 0), TimeSpan.FromSeconds(30), "every worker reported its memory use");
        var workers = _cluster.Workers.OrderBy(worker => worker.Name).ToArray();

        Assert.Equal(["api-0", "api-1"], workers.Select(worker => worker.Name));
        Assert.All(workers, worker =>
        {
            Assert.Equal(Environment.MachineName, worker.Host);
            Assert.Equal(2, worker.Threads);
            Assert.Equal(1L << 30, worker.MemoryLimit);
            Assert.Equal("", worker.JobId);
            Assert.Contains(worker.ProcessId, _cluster.WorkerProcessIds);
            Assert.InRange(worker.ResidentMemory, 1 << 20, worker.MemoryLimit);
        });
    }

    [Fact]
    public void A_capture_that_cannot_travel_is_refused_at_Map_time()
    {
        var cluster = _cluster;

        var error = Assert.Throws<ArgumentException>(() => _cluster.Map((int x) => x + cluster.WorkerCount, [1]));

        Assert.Contains("cannot be sent to workers", error.Message);
    }

    private static int ThrowsOnWorker() => throw new InvalidOperationException("no such sample");
}
