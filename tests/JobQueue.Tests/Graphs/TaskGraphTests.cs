namespace JobQueue.Tests.Graphs;

public sealed class TaskGraphTests : IDisposable
{
    private readonly DirectoryInfo _signals = Directory.CreateTempSubdirectory("jobqueue-graphs-");

    [Fact]
    public async Task A_binary_tree_of_999_sums_gives_the_total_and_no_input_is_decoded_on_the_client()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 2, ThreadsPerWorker = 2, Name = "tree" });
        var level = Enumerable.Range(1, 500).Select(i => cluster.Submit((int x) => (long)x, i)).ToList();
        var inputs = new List<Future<long>>(level);
        while (level.Count > 1)
        {
            var next = new List<Future<long>>();
            for (var i = 0; i + 1 < level.Count; i += 2)
            {
                next.Add(i % 4 == 0 ? cluster.Submit(Add, level[i], level[i + 1]) : cluster.Submit((long a, long b) => a + b, level[i], level[i + 1]));
            }

            if (level.Count % 2 == 1)
            {
                next.Add(level[^1]);
            }

            level = next;
            inputs.AddRange(next.Where(future => !inputs.Contains(future)));
        }

        var root = level[0];
        inputs.Remove(root);
        var total = await root;

        Assert.Equal(500L * 501 / 2, total);
        Assert.Equal(999, inputs.Count + 1);
        Assert.Equal(0, inputs.Sum(DecodedHere));
        Assert.Equal(1, DecodedHere(root));
    }

    [Fact]
    public async Task Values_and_futures_mix_in_any_position_up_to_four_arguments_and_async_functions_take_futures_too()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 1, ThreadsPerWorker = 2, Name = "mixed" });
        var two = cluster.Submit(() => 2);
        var word = cluster.Submit((int n) => new string('x', n), 3);

        var three = cluster.Submit((int a, string b, long c, int d) => $"{a}{b}{c}{d}", two, word, 7L, 1);
        var four = cluster.Submit(async (string text, int n, CancellationToken token) =>
        {
            await Task.Yield();
            return text.Length + n;
        }, three, two);
        var doubled = cluster.Submit((int n) => n * 2, four);
        // A body that compiles for the future as for its result means the result.
        var same = cluster.Submit(x => x, two);

        Assert.Equal(2, await same);
        Assert.Equal("2xxx71", await three);
        Assert.Equal(8, await four);
        Assert.Equal(16, await doubled);
    }

    [Fact]
    public async Task Inputs_over_a_mebibyte_reach_their_dependent_whole_without_being_decoded_here()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 2, ThreadsPerWorker = 1, Name = "large" });
        var bytes = cluster.Submit((int size) => Enumerable.Range(0, size).Select(i => (byte)(i % 251)).ToArray(), 3 << 20);
        var text = cluster.Submit((int size) => new string('y', size), 2 << 20);

        var summary = cluster.Submit((byte[] data, string words) => (data.Length, data.Select((value, i) => value == i % 251).All(same => same), words.Length), bytes, text);

        Assert.Equal((3 << 20, true, 2 << 20), await summary);
        Assert.Equal(0, DecodedHere(bytes) + DecodedHere(text));
    }

    [Fact]
    public async Task A_failing_input_fails_its_dependents_two_levels_down_with_DependencyFailedException_naming_it()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 1, ThreadsPerWorker = 2, Name = "failing" });
        var bad = cluster.Submit((int x) => x > 0 ? throw new InvalidOperationException("no such row") : x, 1);
        var child = cluster.Submit((int a, int b) => a + b, bad, 2);
        var grandchild = cluster.Submit((int a) => a * 10, child);

        var childError = await Assert.ThrowsAsync<DependencyFailedException>(async () => await child);
        var grandchildError = await Assert.ThrowsAsync<DependencyFailedException>(async () => await grandchild);

        Assert.Equal(new TaskKey(0, 0), childError.Input);
        var original = Assert.IsType<RemoteTaskException>(childError.InnerException);
        Assert.Equal(("System.InvalidOperationException", "no such row"), (original.RemoteType, original.Message));
        Assert.Contains("map 0, item 0", childError.Message, StringComparison.Ordinal);
        Assert.Equal(new TaskKey(1, 0), grandchildError.Input);
        Assert.Same(childError, grandchildError.InnerException);
        Assert.Equal(FutureStatus.Error, grandchild.Status);
    }

    [Fact]
    public async Task Cancelling_an_input_cancels_its_dependents_which_never_run()
    {
        var ran = Path.Combine(_signals.FullName, "ran");
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 1, ThreadsPerWorker = 2, Name = "cancel" });
        var input = cluster.Submit(async (int x, CancellationToken token) =>
        {
            await Task.Delay(Timeout.Infinite, token);
            return x;
        }, 1);
        var dependent = cluster.Submit((int a) =>
        {
            File.WriteAllText(ran, "ran");
            return a;
        }, input);
        var next = cluster.Submit((int a, int b) => a + b, dependent, 1);

        input.Cancel();
        var error = await Assert.ThrowsAsync<DependencyFailedException>(async () => await dependent);
        var nextError = await Assert.ThrowsAsync<DependencyFailedException>(async () => await next);

        Assert.IsAssignableFrom<OperationCanceledException>(error.InnerException);
        Assert.Contains("was cancelled", error.Message, StringComparison.Ordinal);
        Assert.Same(error, nextError.InnerException);
        Assert.Equal(FutureStatus.Cancelled, input.Status);
        Assert.False(File.Exists(ran));
    }

    [Fact]
    public async Task A_dependent_runs_on_the_worker_that_produced_its_input_when_that_worker_has_a_free_thread()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 2, ThreadsPerWorker = 1, Name = "local" });
        await cluster.WaitForWorkersAsync(2, TimeSpan.FromSeconds(60));
        for (var trial = 0; trial < 4; trial++)
        {
            var release = Path.Combine(_signals.FullName, $"release-{trial}");
            var producer = cluster.Submit(() =>
            {
                var deadline = DateTime.UtcNow.AddSeconds(60);
                while (!File.Exists(release) && DateTime.UtcNow < deadline)
                {
                    Thread.Sleep(10);
                }

                return TaskContext.Current.WorkerName;
            });
            var dependent = cluster.Submit((string producedOn) => (producedOn, TaskContext.Current.WorkerName), producer);
            await File.WriteAllTextAsync(release, "go");

            var (producedOn, ranOn) = await dependent;

            Assert.Equal(producedOn, ranOn);
        }
    }

    [Fact]
    public async Task A_checkpoint_on_a_task_taking_futures_and_a_future_of_another_cluster_are_refused_saying_why()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 1, Name = "refusing" });
        await using var other = new LocalCluster(new LocalOptions { Workers = 1, Name = "other" });
        var input = cluster.Submit(() => 1);
        var foreign = other.Submit(() => 2);

        var checkpoint = Assert.Throws<ArgumentException>(() => cluster.Submit((int x) => x, input, new MapOptions { Checkpoint = Path.Combine(_signals.FullName, "c.db") }));
        var elsewhere = Assert.Throws<ArgumentException>(() => cluster.Submit((int a, int b) => a + b, input, foreign));

        Assert.StartsWith("MapOptions.Checkpoint keys each result by its argument", checkpoint.Message, StringComparison.Ordinal);
        Assert.StartsWith("A future of another cluster cannot be an argument here", elsewhere.Message, StringComparison.Ordinal);
        Assert.Equal(1, await input);
    }

    public void Dispose() => _signals.Delete(recursive: true);

    private static long Add(long a, long b) => a + b;

    private static long DecodedHere<T>(Future<T> future) => future.Item!.Value.Items.ResultsDecoded;
}
