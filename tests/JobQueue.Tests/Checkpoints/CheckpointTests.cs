namespace JobQueue.Tests.Checkpoints;

public sealed class CheckpointTests
{
    [Fact]
    public async Task A_rerun_returns_the_stored_results_at_once_and_computes_only_the_new_items()
    {
        using var database = new TestSqlite();
        using var log = new ExecutionLog();
        var options = new MapOptions { Checkpoint = database.Path };
        await using (var first = new LocalCluster(new LocalOptions { Workers = 2, Name = "checkpoint-first" }))
        {
            Assert.Equal(Squares(10), await first.Gather(first.Map(ExecutionLog.CountedSquare(log.Directory), Enumerable.Range(0, 10), options)));
        }

        await using var second = new LocalCluster(new LocalOptions { Workers = 2, Name = "checkpoint-second" });
        var futures = second.Map(ExecutionLog.CountedSquare(log.Directory), Enumerable.Range(0, 20), options);

        Assert.All(futures.Take(10), future => Assert.Equal(FutureStatus.Finished, future.Status));
        Assert.Equal(Squares(20), await second.Gather(futures));
        Assert.Equal(Enumerable.Range(0, 20), log.Items().Order());
        Assert.Equal(20L, database.StoredResults());
    }

    [Fact]
    public async Task A_new_checkpoint_and_its_wal_and_shm_files_are_readable_by_the_user_only()
    {
        using var database = new TestSqlite();
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 1, Name = "checkpoint-private" });
        var options = new MapOptions { Checkpoint = database.Path };

        // Held open by the cluster until it is disposed, the write-ahead log and shared memory files exist now.
        var results = await cluster.Gather(cluster.Map((int x) => x + 1, [1, 2, 3], options));
        Assert.Equal([2, 3, 4], results);

        foreach (var path in new[] { database.Path, database.Path + "-wal", database.Path + "-shm" })
        {
            Assert.True(File.Exists(path), $"{path} is missing");
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    [Fact]
    public async Task Another_function_on_the_same_checkpoint_is_refused()
    {
        using var database = new TestSqlite();
        var options = new MapOptions { Checkpoint = database.Path };
        await using (var first = new LocalCluster(new LocalOptions { Workers = 1, Name = "checkpoint-owner" }))
        {
            await first.Gather(first.Map((int x) => x + 1, [1, 2, 3], options));
            var sameCluster = Assert.Throws<CheckpointException>(() => first.Map((int x) => x + 2, [1, 2, 3], options));
            Assert.Contains("holds results of", sameCluster.Message);
        }

        await using var second = new LocalCluster(new LocalOptions { Workers = 1, Name = "checkpoint-other" });
        var refused = Assert.Throws<CheckpointException>(() => second.Map((int x) => x + 2, [1, 2, 3], options));
        Assert.Contains($"Checkpoint {database.Path} holds results of {typeof(CheckpointTests).FullName}.{nameof(Another_function_on_the_same_checkpoint_is_refused)} (lambda)", refused.Message);
        Assert.Contains("MapOptions.CheckpointVersion", refused.Message);
    }

    [Fact]
    public async Task An_explicit_version_lets_changed_code_resume()
    {
        using var database = new TestSqlite();
        var options = new MapOptions { Checkpoint = database.Path, CheckpointVersion = "squares v1" };
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 1, Name = "checkpoint-version" });
        await cluster.Gather(cluster.Map((int x) => x * x, [1, 2, 3], options));

        var resumed = cluster.Map((int x) => checked(x * x), [1, 2, 3], options);

        Assert.All(resumed, future => Assert.Equal(FutureStatus.Finished, future.Status));
        Assert.Equal(new[] { 1, 4, 9 }, await cluster.Gather(resumed));
    }

    [Fact]
    public async Task A_checkpoint_with_another_table_layout_is_refused()
    {
        using var database = new TestSqlite();
        var options = new MapOptions { Checkpoint = database.Path };
        await using (var cluster = new LocalCluster(new LocalOptions { Workers = 1, Name = "checkpoint-layout" }))
        {
            await cluster.Gather(cluster.Map(Increment, [1], options));
        }

        database.Scalar("UPDATE jobqueue_checkpoint SET value = '99' WHERE name = 'schema'");
        await using var later = new LocalCluster(new LocalOptions { Workers = 1, Name = "checkpoint-layout-later" });

        var refused = Assert.Throws<CheckpointException>(() => later.Map(Increment, [1], options));
        Assert.Contains("has table layout 99, and this JobQueue reads layout 1", refused.Message);
    }

    [Fact]
    public async Task Failed_items_are_not_stored_and_run_again()
    {
        using var database = new TestSqlite();
        using var log = new ExecutionLog();
        var options = new MapOptions { Checkpoint = database.Path };
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 1, Name = "checkpoint-failures" });

        var first = cluster.Map(FailOnThree(log.Directory), [1, 2, 3], options);
        Assert.Equal((1, 4), (await first[0], await first[1]));
        await Assert.ThrowsAsync<RemoteTaskException>(async () => await first[2]);
        Assert.Equal(2L, database.StoredResults());

        await Assert.ThrowsAsync<RemoteTaskException>(async () => await cluster.Map(FailOnThree(log.Directory), [1, 2, 3], options)[2]);
        Assert.Equal([1, 2, 3, 3], log.Items().Order());
    }

    [Fact]
    public async Task Items_are_stored_under_the_key_the_user_gives()
    {
        using var database = new TestSqlite();
        var options = new MapOptions { Checkpoint = database.Path, Key = item => $"sample-{((Sample)item!).Id}" };
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 1, Name = "checkpoint-keys" });

        var totals = await cluster.Gather(cluster.Map(Total, [new Sample(7, [1, 2]), new Sample(9, [3])], options));

        Assert.Equal(new[] { 3, 3 }, totals);
        Assert.Equal("sample-7,sample-9", database.Scalar("SELECT group_concat(key, ',') FROM (SELECT key FROM jobqueue_results ORDER BY key)"));
        var noKey = Assert.Throws<ArgumentException>(() => cluster.Map(Total, [new Sample(1, [])], options with { Key = _ => "" }));
        Assert.Contains("MapOptions.Key gave no key for item 0", noKey.Message);
    }

    [Fact]
    public async Task Checkpoint_settings_need_a_checkpoint_and_a_valid_location()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 1, Name = "checkpoint-options" });

        var keyAlone = Assert.Throws<ArgumentException>(() => cluster.Map(Increment, [1], new MapOptions { Key = item => $"{item}" }));
        Assert.Contains("set MapOptions.Checkpoint too", keyAlone.Message);
        var badUrl = Assert.Throws<CheckpointException>(() => cluster.Map(Increment, [1], new MapOptions { Checkpoint = "postgresql://127.0.0.1:5432/jobqueue?Bogus=1" }));
        Assert.Contains("parameter Bogus is not a connection setting", badUrl.Message);
        var missingDirectory = Assert.Throws<CheckpointException>(() => cluster.Map(Increment, [1], new MapOptions { Checkpoint = "/nonexistent/directory/results.db" }));
        Assert.Contains("Checkpoint /nonexistent/directory/results.db could not be opened", missingDirectory.Message);
    }

    private static int Increment(int x) => x + 1;

    private static Func<int, int> FailOnThree(string directory) => x =>
    {
        ExecutionLog.Record(directory, x);
        return x == 3 ? throw new InvalidOperationException("3 is unlucky") : x * x;
    };

    private static int Total(Sample sample) => sample.Values.Sum();

    private static IEnumerable<int> Squares(int count) => Enumerable.Range(0, count).Select(x => x * x);
}

public sealed record Sample(int Id, int[] Values);
