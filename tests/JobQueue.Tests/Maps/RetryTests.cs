namespace JobQueue.Tests.Maps;

public sealed class RetryTests : IDisposable
{
    private readonly DirectoryInfo _runs = Directory.CreateTempSubdirectory("jobqueue-retries-");

    [Fact]
    public async Task Items_that_throw_twice_succeed_with_two_retries_each_having_run_three_times()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 2, ThreadsPerWorker = 2, Name = "retry" });
        var runs = _runs.FullName;

        var results = await cluster.Gather(cluster.Map((int x) => FailTwice(runs, x), Enumerable.Range(0, 20), new MapOptions { Retries = 2, BatchSize = 1 }));

        Assert.Equal(Enumerable.Range(0, 20).Select(x => x * 10), results);
        Assert.All(Enumerable.Range(0, 20), x => Assert.Equal(3, RunsOf(x).Length));
    }

    [Fact]
    public async Task Items_that_throw_twice_fail_with_one_retry_after_two_runs_listing_both()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 2, ThreadsPerWorker = 2, Name = "retry" });
        var runs = _runs.FullName;

        var futures = cluster.Map((int x) => FailTwice(runs, x), Enumerable.Range(0, 20), new MapOptions { Retries = 1 });
        var failures = await Assert.ThrowsAsync<AggregateException>(() => cluster.Gather(futures, GatherErrors.CollectAll));

        Assert.Equal(20, failures.InnerExceptions.Count);
        foreach (var (future, x) in futures.Select((future, x) => (future, x)))
        {
            var error = Assert.IsType<RemoteTaskException>(future.Exception);
            Assert.Equal("System.IO.IOException", error.RemoteType);
            Assert.Equal(2, error.Attempts.Count);
            Assert.Equal(RunsOf(x), error.Attempts.Select(attempt => attempt.Worker));
            Assert.All(error.Attempts, attempt => Assert.Equal(("System.IO.IOException", $"flaky run of item {x}"), (attempt.ExceptionType, attempt.Message)));
            Assert.Contains($"every one of 2 runs threw: run 1 on {error.Attempts[0].Worker}: System.IO.IOException: flaky run of item {x}; run 2 on ", error.Message);
        }
    }

    [Fact]
    public async Task An_exception_RetryOn_does_not_name_fails_at_its_first_run()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 1, Name = "retry" });
        var runs = _runs.FullName;

        var future = cluster.Submit((int x) => FailTwice(runs, x), 7, new MapOptions { Retries = 5, RetryOn = ["TimeoutException", "System.InvalidOperationException"] });
        var error = await Assert.ThrowsAsync<RemoteTaskException>(async () => await future);

        Assert.Equal("flaky run of item 7", error.Message);
        Assert.Single(RunsOf(7));

        // The second map's first run throws as the item's second; its retry is the item's third run.
        Assert.Equal(70, await cluster.Submit((int x) => FailTwice(runs, x), 7, new MapOptions { Retries = 1, RetryOn = ["IOException"] }));
        Assert.Equal(3, RunsOf(7).Length);
    }

    [Theory]
    [InlineData(-1, null, "MapOptions.Retries = -1")]
    [InlineData(1, "", "MapOptions.RetryOn holds \"\"")]
    [InlineData(1, "Timeout Exception", "MapOptions.RetryOn holds \"Timeout Exception\"")]
    public async Task Bad_retry_options_are_refused_naming_the_option(int retries, string? retryOn, string expected)
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 1 });
        var options = new MapOptions { Retries = retries, RetryOn = retryOn is null ? null : [retryOn] };

        var error = Assert.Throws<ArgumentException>(() => cluster.Map((int x) => x, [1], options));

        Assert.StartsWith(expected, error.Message);
    }

    public void Dispose() => _runs.Delete(recursive: true);

    /// <summary>Records the run (by worker) in the item's file and throws on its first two runs.</summary>
    private static int FailTwice(string runs, int x)
    {
        var file = Path.Combine(runs, $"{x}.runs");
        File.AppendAllText(file, TaskContext.Current.WorkerName + "\n");
        if (File.ReadAllLines(file).Length <= 2)
        {
            throw new IOException($"flaky run of item {x}");
        }

        return x * 10;
    }

    private string[] RunsOf(int x) => File.ReadAllLines(Path.Combine(_runs.FullName, $"{x}.runs"));
}
