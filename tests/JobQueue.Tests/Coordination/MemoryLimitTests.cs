using JobQueue.Tests.BatchSystems;

namespace JobQueue.Tests.Coordination;

/// <summary>Workers are held to their memory limit: paused at the pause fraction, restarted at the terminate fraction.</summary>
public sealed class MemoryLimitTests
{
    [Fact]
    public async Task A_task_growing_to_twice_its_workers_limit_pauses_and_restarts_them_and_fails_saying_so_while_100_others_succeed()
    {
        using var log = new CollectingLoggerFactory();
        await using var cluster = new LocalCluster(new LocalOptions
        {
            Workers = 2, ThreadsPerWorker = 1, MemoryLimit = "300MB", Name = "hungry", LoggerFactory = log, DashboardAddress = null,
        });
        await cluster.WaitForWorkersAsync(2, TimeSpan.FromSeconds(60));

        // 10 MB more every 50 ms up to 600 MB: the worker pauses at 240 MB and leaves at 285 MB, well before.
        var hog = cluster.Submit(() =>
        {
            var held = new List<byte[]>();
            for (var step = 0; step < 60; step++)
            {
                var chunk = new byte[10_000_000];
                chunk.AsSpan().Fill(1); // touched, so resident
                held.Add(chunk);
                Thread.Sleep(50);
            }

            return held.Sum(chunk => chunk.Length);
        });
        var others = cluster.Map((int x) => x * 2, Enumerable.Range(0, 100));

        Assert.Equal(Enumerable.Range(0, 100).Select(x => x * 2), await cluster.Gather(others).WaitAsync(TimeSpan.FromMinutes(3)));
        var lost = await Assert.ThrowsAsync<WorkerLostException>(() => hog.AsTask().WaitAsync(TimeSpan.FromMinutes(3)));

        Assert.Equal(3, lost.Workers.Count);
        Assert.Matches(@"\): worker hungry-\d exceeded its memory limit while running it \(\d+ MB used, limit 300 MB\)\.$", lost.Message);
        Assert.All(lost.Workers, worker => Assert.Contains(log.Warnings, line => line.StartsWith($"Worker {worker} paused: ", StringComparison.Ordinal)));
        Assert.Equal(3, log.Warnings.Count(line => line.Contains("exceeded its memory limit", StringComparison.Ordinal)));
        await cluster.WaitForWorkersAsync(2, TimeSpan.FromSeconds(60));
        Assert.Equal(2 + 3, cluster.WorkerStarts);
        Assert.All(cluster.Workers, worker => Assert.Equal(300_000_000, worker.MemoryLimit, tolerance: 300_000_000 / 200.0));
    }

    [Fact]
    public async Task A_worker_above_its_pause_fraction_is_sent_no_task_until_its_memory_is_back_under()
    {
        var directory = Directory.CreateTempSubdirectory("jobqueue-pause-");
        var gate = Path.Combine(directory.FullName, "release");
        using var log = new CollectingLoggerFactory();
        await using var cluster = new LocalCluster(new LocalOptions
        {
            Workers = 1, ThreadsPerWorker = 2, MemoryLimit = "300MB", MemoryTerminateFraction = null, Name = "paused", LoggerFactory = log, DashboardAddress = null,
        });
        await cluster.WaitForWorkersAsync(1, TimeSpan.FromSeconds(60));

        // Holds 250 MB, above the pause fraction's 240 MB, until the test opens the gate.
        var holder = cluster.Submit(() =>
        {
            var held = new List<byte[]>();
            for (var step = 0; step < 25; step++)
            {
                var chunk = new byte[10_000_000];
                chunk.AsSpan().Fill(1);
                held.Add(chunk);
            }

            while (!File.Exists(gate))
            {
                Thread.Sleep(20);
            }

            return held.Count;
        });
        await Eventually.HoldsAsync(() => cluster.Workers is [{ Paused: true }], TimeSpan.FromSeconds(60), "the worker reported itself paused");

        // Its second thread is free and it granted credit, but the coordinator sends a paused worker nothing (Map dispatches at once).
        var others = cluster.Map((int x) => x + 1, Enumerable.Range(0, 10));
        Assert.Equal(new MapCounts(0, 0, 10, 0), others.Counts);

        await File.WriteAllTextAsync(gate, "");
        Assert.Equal(25, await holder.AsTask().WaitAsync(TimeSpan.FromMinutes(2)));
        Assert.Equal(Enumerable.Range(1, 10), await cluster.Gather(others).WaitAsync(TimeSpan.FromMinutes(2)));
        Assert.Contains(log.Warnings, line => line.StartsWith("Worker paused-0 paused: ", StringComparison.Ordinal));
        Assert.Contains(log.Warnings, line => line.StartsWith("Worker paused-0 resumed: ", StringComparison.Ordinal));
        Assert.Equal(1, cluster.WorkerStarts);
        directory.Delete(recursive: true);
    }
}
