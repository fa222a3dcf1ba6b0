namespace JobQueue.Tests.Graphs;

public sealed class PipelinedMapTests : IDisposable
{
    private readonly DirectoryInfo _signals = Directory.CreateTempSubdirectory("jobqueue-pipelines-");

    [Fact]
    public async Task Stage_two_starts_on_the_items_stage_one_finished_while_stage_one_still_runs()
    {
        // Stage 1's last item finishes only once stage 2's first item ran: without pipelining it would wait its 60 s out and say so.
        var stageTwoRan = Path.Combine(_signals.FullName, "stage-two-item-0");
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 2, ThreadsPerWorker = 2, Name = "pipe" });
        var stageOne = cluster.Map((int x) =>
        {
            if (x < 19)
            {
                return x == 7 ? throw new InvalidOperationException("row 7 is bad") : x * 2;
            }

            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!File.Exists(stageTwoRan) && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(10);
            }

            return File.Exists(stageTwoRan) ? x * 2 : -1;
        }, Enumerable.Range(0, 20), new MapOptions { BatchSize = 1 });
        var stageTwo = cluster.Map((int y) =>
        {
            if (y == 0)
            {
                File.WriteAllText(stageTwoRan, "done");
            }

            return y + 1;
        }, stageOne, new MapOptions { BatchSize = 1 });

        var last = await stageOne[19];
        var error = await Assert.ThrowsAsync<DependencyFailedException>(async () => await stageTwo[7]);
        var others = await Task.WhenAll(Enumerable.Range(0, 20).Where(i => i != 7).Select(i => stageTwo[i].AsTask()));

        Assert.Equal(38, last);
        Assert.Equal(Enumerable.Range(0, 20).Where(i => i != 7).Select(i => (i * 2) + 1), others);
        Assert.Equal(new TaskKey(0, 7), error.Input);
        Assert.Equal("row 7 is bad", error.InnerException!.Message);
        Assert.Equal(new MapCounts(19, 0, 0, 1), stageTwo.Counts);
    }

    [Fact]
    public async Task An_async_stage_over_a_finished_map_takes_its_results_and_cancelling_upstream_cancels_downstream()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 1, ThreadsPerWorker = 4, Name = "pipe-async" });
        var words = cluster.Map((int n) => new string('a', n), Enumerable.Range(1, 5));
        await cluster.Gather(words);
        // Three items that run until cancelled, on three of the worker's four threads.
        var blocked = cluster.Map(async (int n, CancellationToken token) =>
        {
            await Task.Delay(Timeout.Infinite, token);
            return n;
        }, Enumerable.Range(0, 3));

        var lengths = cluster.Map(async (string word, CancellationToken token) =>
        {
            await Task.Yield();
            return word.Length;
        }, words);
        var after = cluster.Map((int n) => n, blocked);
        blocked[1].Cancel();

        var lengthsGathered = await cluster.Gather(lengths);
        Assert.Equal([1, 2, 3, 4, 5], lengthsGathered);
        var error = await Assert.ThrowsAsync<DependencyFailedException>(async () => await after[1]);
        Assert.IsAssignableFrom<OperationCanceledException>(error.InnerException);
        blocked.Items.CancelAll();
        await Assert.ThrowsAsync<AggregateException>(() => cluster.Gather(after, GatherErrors.CollectAll));
    }

    public void Dispose() => _signals.Delete(recursive: true);
}
