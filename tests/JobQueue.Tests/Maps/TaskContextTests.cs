using JobQueue.Tests.Coordination;

namespace JobQueue.Tests.Maps;

public sealed class TaskContextTests
{
    private const ulong Seed = 20240611;

    [Fact]
    public async Task Random_streams_are_the_same_with_1_2_and_3_workers_differ_across_items_and_follow_the_documented_derivation()
    {
        const int count = 300;
        var runs = new List<(double, int, long)[]>();
        foreach (var workers in (int[])[1, 2, 3])
        {
            await using var cluster = new LocalCluster(new LocalOptions { Workers = workers, ThreadsPerWorker = 2, Seed = Seed });
            await cluster.WaitForWorkersAsync(workers, TimeSpan.FromSeconds(60));
            Assert.Equal(Seed, cluster.Seed);
            runs.Add(await cluster.Gather(cluster.Map((int _) => Draw(TaskContext.Current.Random), Enumerable.Range(0, count))));
        }

        Assert.Equal(runs[0], runs[1]);
        Assert.Equal(runs[0], runs[2]);
        Assert.Equal(count, runs[0].Select(draw => draw.Item1).Distinct().Count());
        Assert.Equal(count, runs[0].Select(draw => draw.Item3).Distinct().Count());
        Assert.Equal(Enumerable.Range(0, count).Select(i => Draw(new TaskRandom(Seed, new TaskKey(0, i)))), runs[0]);
    }

    [Fact]
    public async Task A_task_knows_its_key_and_worker_and_a_later_map_gets_other_streams()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 2, Name = "ctx" });

        var first = await cluster.Gather(cluster.Map((int _) => (TaskContext.Current.Key.Map, TaskContext.Current.Key.Index, TaskContext.Current.WorkerName), Enumerable.Range(0, 50)));
        var again = await cluster.Gather(cluster.Map((int _) => TaskContext.Current.Random.NextInt64(), Enumerable.Range(0, 50)));

        Assert.Equal(Enumerable.Range(0, 50).Select(i => (0L, (long)i)), first.Select(item => (item.Item1, item.Item2)));
        Assert.All(first, item => Assert.StartsWith("ctx-", item.Item3));
        Assert.Equal(Enumerable.Range(0, 50).Select(i => new TaskRandom(cluster.Seed, new TaskKey(1, i)).NextInt64()), again);
        Assert.NotEqual(Enumerable.Range(0, 50).Select(i => new TaskRandom(cluster.Seed, new TaskKey(0, i)).NextInt64()), again);
    }

    [Fact]
    public async Task A_running_function_sees_its_cancellation_through_the_task_context()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 1, ThreadsPerWorker = 1 });
        var started = Path.Combine(Path.GetTempPath(), $"jobqueue-started-{Guid.NewGuid():N}");
        try
        {
            var looping = cluster.Submit(() =>
            {
                var token = TaskContext.Current.CancellationToken;
                File.WriteAllText(started, "");
                while (!token.IsCancellationRequested)
                {
                    Thread.Sleep(1);
                }

                token.ThrowIfCancellationRequested();
                return 0;
            });
            await Eventually.HoldsAsync(() => File.Exists(started), TimeSpan.FromSeconds(60), "the task started");

            looping.Cancel();

            // The worker's only thread is free again only if the loop saw its token.
            Assert.Equal(7, await cluster.Submit(() => 7).AsTask().WaitAsync(TimeSpan.FromSeconds(60)));
            Assert.Equal(FutureStatus.Cancelled, looping.Status);
        }
        finally
        {
            File.Delete(started);
        }
    }

    [Fact]
    public void Outside_a_task_there_is_no_current_context()
    {
        var error = Assert.Throws<InvalidOperationException>(() => TaskContext.Current);
        Assert.Contains("only inside a function running on a worker", error.Message);
    }

    private static (double, int, long) Draw(Random random) => (random.NextDouble(), random.Next(10, 1000), random.NextInt64());
}
