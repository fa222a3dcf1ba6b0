namespace JobQueue.Tests.Maps;

public sealed class PerWorkerTests : IDisposable
{
    private readonly DirectoryInfo _records = Directory.CreateTempSubdirectory("jobqueue-per-worker-");

    [Fact]
    public async Task RunOnEachWorker_returns_one_entry_per_connected_worker_by_name_even_while_a_map_keeps_them_busy()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 3, ThreadsPerWorker = 1, Name = "each" });
        await cluster.WaitForWorkersAsync(3, TimeSpan.FromSeconds(60));
        using var stop = new CancellationTokenSource();
        var busy = cluster.Map((int x) =>
        {
            Thread.Sleep(10);
            return x;
        }, Enumerable.Range(0, 10_000), cancellationToken: stop.Token);

        var names = await cluster.RunOnEachWorker(() => TaskContext.Current.WorkerName);
        var doneMeanwhile = busy.Counts.Done;

        Assert.Equal(["each-0", "each-1", "each-2"], names.Keys.Order());
        Assert.All(names, entry => Assert.Equal(entry.Key, entry.Value));
        Assert.True(doneMeanwhile < 5_000, $"{doneMeanwhile} of the map's 10,000 items were done before RunOnEachWorker returned");
        await stop.CancelAsync();
    }

    [Fact]
    public async Task RunOnEachWorker_without_workers_returns_nothing_and_a_throwing_function_fails_it()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 1, Name = "each" });
        var none = await cluster.RunOnEachWorker(() => 1);
        await cluster.WaitForWorkersAsync(1, TimeSpan.FromSeconds(60));

        var error = await Assert.ThrowsAsync<RemoteTaskException>(() => cluster.RunOnEachWorker<int>(() => throw new InvalidOperationException("not here")));

        Assert.Empty(none);
        Assert.Equal(("System.InvalidOperationException", "not here"), (error.RemoteType, error.Message));
    }

    [Fact]
    public async Task GetOrCreate_creates_one_value_per_worker_however_many_threads_ask_and_disposes_it_when_the_worker_ends()
    {
        var records = _records.FullName;
        var cluster = new LocalCluster(new LocalOptions { Workers = 2, ThreadsPerWorker = 4, Name = "model" });
        (string Worker, Guid Model)[] seen;
        await using (cluster)
        {
            await cluster.WaitForWorkersAsync(2, TimeSpan.FromSeconds(60));
            seen = await cluster.Gather(cluster.Map(
                (int _) => (TaskContext.Current.WorkerName, TaskContext.Current.GetOrCreate("model", () => new Model(records)).Id),
                Enumerable.Range(0, 400),
                new MapOptions { BatchSize = 1 }));
            var warmed = await cluster.RunOnEachWorker(() => TaskContext.Current.GetOrCreate("model", () => new Model(records)).Id);

            Assert.Equal(["model-0", "model-1"], warmed.Keys.Order());
        }

        var created = Records("created");
        Assert.Equal(created.Length, created.Distinct().Count());
        Assert.All(seen.GroupBy(item => item.Worker), perWorker => Assert.Single(perWorker.Select(item => item.Model).Distinct()));
        Assert.Equal(seen.Select(item => item.Model).Distinct().Order(), created.Select(line => Guid.Parse(line.Split(' ')[1])).Order());
        Assert.Equal(created.Order(), Records("disposed").Order());
    }

    private string[] Records(string what) => [.. _records.GetFiles($"{what}-*").SelectMany(file => File.ReadAllLines(file.FullName))];

    public void Dispose() => _records.Delete(recursive: true);

    /// <summary>
    /// Slow to make (threads asking at once would each make one, unless only one may), and it records its creation and
    /// disposal, in a file per worker: two worker processes appending to one file at the same moment can write at the
    /// same offset, and one line is lost.
    /// </summary>
    private sealed class Model : IDisposable
    {
        private readonly string _records;
        private readonly string _worker = TaskContext.Current.WorkerName;

        public Model(string records)
        {
            _records = records;
            Thread.Sleep(200);
            File.AppendAllText(Path.Combine(records, $"created-{_worker}"), $"{_worker} {Id}\n");
        }

        public Guid Id { get; } = Guid.NewGuid();

        public void Dispose() => File.AppendAllText(Path.Combine(_records, $"disposed-{_worker}"), $"{_worker} {Id}\n");
    }
}
