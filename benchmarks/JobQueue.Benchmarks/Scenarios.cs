using System.Diagnostics;

namespace JobQueue.Benchmarks;

/// <summary>One measured figure; <see cref="Value"/> is null when its scenario failed (<see cref="Error"/>).</summary>
internal sealed record Figure(string Scenario, double? Value, string Unit, int N, string? Note = null, string? Error = null);

/// <summary>A group of figures measured together; the group names are those of bench_dask.py's <c>--only</c>.</summary>
internal sealed record Scenario(string Group, string[] Figures, string[] Units, Func<bool, Task<Figure[]>> Run);

/// <summary>The JobQueue side of every scenario, each on its own fresh cluster as the dask script does.</summary>
internal static class Scenarios
{
    private const int Workers = 2;
    private static readonly TimeSpan ConnectLimit = TimeSpan.FromSeconds(60);

    // The round-trip figures are those of the steady state: the dask script warms up as long (ROUNDTRIP_WARM_UP_S).
    private static readonly TimeSpan RoundTripWarmUp = TimeSpan.FromSeconds(3);

    public static readonly Scenario[] All =
    [
        // dask sends every item alone, so the figure compared with it does too; the batched one is the default Map.
        new("throughput", ["throughput"], ["tasks/s"], quick => ThroughputAsync(quick, "throughput", new MapOptions { BatchSize = 1 })),
        new("throughput_batched", ["throughput_batched"], ["tasks/s"], quick => ThroughputAsync(quick, "throughput_batched", new MapOptions())),
        new("roundtrip", ["roundtrip_median", "roundtrip_p99"], ["us", "us"], RoundTripAsync),
        new("efficiency", ["efficiency"], ["%"], EfficiencyAsync),
        new("startup", ["startup", "startup_one_worker"], ["s", "s"], StartupAsync),
        new("memory", ["idle_worker_rss", "busy_worker_rss"], ["MB", "MB"], MemoryAsync),
        Registration.Scenario,
        new("queued_memory", ["queued_memory"], ["bytes/task"], QueuedMemoryAsync),
        CheckpointCost.Scenario,
        DashboardCost.Scenario,
        LargeMap.Scenario,
        LargeStream.Scenario,
        FetchScattered.Scenario,
    ];

    // Static methods rather than lambdas: the warm-up and the measured run then share one function, which the
    // workers have already loaded when the clock starts.
    private static int Identity(int x) => x;

    private static int One() => 1;

    // Returns how long the sleep really took, in microseconds: its overshoot is lost to the timer, not to the cluster.
    private static int Sleep10(int x)
    {
        var start = Stopwatch.GetTimestamp();
        Thread.Sleep(10);
        return (int)Stopwatch.GetElapsedTime(start).TotalMicroseconds;
    }

    private static LocalCluster NewCluster() => new(new LocalOptions { Workers = Workers, ThreadsPerWorker = 1 });

    private static async Task<LocalCluster> StartedClusterAsync()
    {
        var cluster = NewCluster();
        try
        {
            await cluster.WaitForWorkersAsync(Workers, ConnectLimit);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private static async Task<Figure[]> ThroughputAsync(bool quick, string name, MapOptions options)
    {
        var (n, rounds) = quick ? (100_000, 1) : (1_000_000, 3);
        await using var cluster = await StartedClusterAsync();
        await cluster.Gather(cluster.Map<int, int>(Identity, Enumerable.Range(0, 50_000), options));

        // The first large Map also pays for tiered JIT and for growing the heap. As in the prototype whose figures set
        // the musts, the figure is the median of the rounds after it, and the first is reported beside it.
        var first = await MapRoundAsync(cluster, n, options);
        var steady = new MapRound[rounds];
        for (var round = 0; round < rounds; round++)
        {
            steady[round] = await MapRoundAsync(cluster, n, options);
        }

        var median = steady.OrderBy(run => run.Rate).ElementAt(rounds / 2);
        return [new(name, Median([.. steady.Select(run => run.Rate)]), "tasks/s", n,
            $"median of {rounds} Maps ({string.Join(", ", steady.Select(run => run.Rate.ToString("N0")))} tasks/s) after a first one of the same size "
            + $"({first.Rate:N0} tasks/s: {first.Detail}); the median round: {median.Detail}")];
    }

    /// <summary>One measured Map of no-op items: its tasks per second, and where its time went.</summary>
    private sealed record MapRound(double Rate, string Detail);

    private static async Task<MapRound> MapRoundAsync(LocalCluster cluster, int n, MapOptions options)
    {
        // Which process is busy, and how long the client stood still for its garbage collector.
        var cpuBefore = ProcessorSeconds(cluster);
        var pauseBefore = GC.GetTotalPauseDuration();
        var allocatedBefore = GC.GetTotalAllocatedBytes();
        var start = Stopwatch.GetTimestamp();
        var futures = cluster.Map<int, int>(Identity, Enumerable.Range(0, n), options);
        var mapped = Stopwatch.GetElapsedTime(start);
        var results = await cluster.Gather(futures);
        var elapsed = Stopwatch.GetElapsedTime(start);
        var pause = GC.GetTotalPauseDuration() - pauseBefore;
        var allocated = GC.GetTotalAllocatedBytes() - allocatedBefore;
        var (client, workers) = ProcessorSeconds(cluster);

        Check(results.Length == n && results[^1] == n - 1, "the results are not the inputs");
        return new(n / elapsed.TotalSeconds,
            $"{elapsed.TotalSeconds:F2} s, Map returned after {mapped.TotalSeconds:F2} s, CPU: client {client - cpuBefore.Client:F2} s "
            + $"(GC pauses {pause.TotalSeconds:F2} s, {(double)allocated / n:F0} bytes allocated per task), workers {workers - cpuBefore.Workers:F2} s together, "
            + $"{futures.Profile.Partitions:N0} messages");
    }

    private static async Task<Figure[]> RoundTripAsync(bool quick)
    {
        var n = quick ? 200 : 1000;
        await using var cluster = await StartedClusterAsync();
        for (var i = 0; i < 200; i++)
        {
            await cluster.Submit(One);
        }

        // The first round trips also pay for tiered JIT in all three processes: it rejits a hot method some 100 ms
        // after its 30th call, on a background thread that competes for this machine's two cores. The figures are
        // those of the steady state after RoundTripWarmUp.
        var cold = await RoundTripsAsync(cluster, n);
        var warmUps = 0;
        for (var warming = Stopwatch.StartNew(); warming.Elapsed < RoundTripWarmUp; warmUps++)
        {
            await cluster.Submit(One);
        }

        var micros = await RoundTripsAsync(cluster, n);
        var spread = $"min {micros[0]:F0} us, p90 {micros[(int)(0.9 * n)]:F0} us, max {micros[^1]:F0} us; after {RoundTripWarmUp.TotalSeconds:F0} s of "
            + $"{warmUps:N0} round trips. The first {n:N0} (after 200) had median {Median(cold):F0} us, p99 {P99(cold):F0} us";
        return [new("roundtrip_median", Median(micros), "us", n, spread), new("roundtrip_p99", P99(micros), "us", n)];
    }

    /// <summary>The times of <paramref name="n"/> sequential round trips, in microseconds, sorted.</summary>
    private static async Task<double[]> RoundTripsAsync(LocalCluster cluster, int n)
    {
        var micros = new double[n];
        for (var i = 0; i < n; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await cluster.Submit(One);
            micros[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }

        Array.Sort(micros);
        return micros;
    }

    private static double P99(double[] sorted) => sorted[Math.Min(sorted.Length - 1, (int)Math.Round(0.99 * sorted.Length) - 1)]; // the dask script's definition

    private static async Task<Figure[]> EfficiencyAsync(bool quick)
    {
        var n = quick ? 200 : 1000;
        await using var cluster = await StartedClusterAsync();
        await cluster.Gather(cluster.Map<int, int>(Sleep10, Enumerable.Range(0, 2 * Workers)));
        var start = Stopwatch.GetTimestamp();
        var slept = await cluster.Gather(cluster.Map<int, int>(Sleep10, Enumerable.Range(0, n)));
        var elapsed = Stopwatch.GetElapsedTime(start);

        var ideal = TimeSpan.FromMilliseconds(n * 10.0 / Workers);
        var sleepMs = slept.Average() / 1000;
        return [new("efficiency", 100 * ideal / elapsed, "%", n,
            $"{elapsed.TotalSeconds:F2} s for an ideal {ideal.TotalSeconds:F2} s; Thread.Sleep(10) took {sleepMs:F2} ms on average in the workers, "
            + $"which alone caps efficiency at {100 * 10 / sleepMs:F1} %")];
    }

    // Also with one worker, which leaves a core to spare here, as a node has: what a worker does on other threads
    // while it starts shows there and not with two workers on two cores.
    private static async Task<Figure[]> StartupAsync(bool quick) =>
        [await MedianStartAsync("startup", Workers), await MedianStartAsync("startup_one_worker", 1)];

    private static async Task<Figure> MedianStartAsync(string scenario, int workers)
    {
        var seconds = new double[3];
        for (var i = 0; i < seconds.Length; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await using var cluster = new LocalCluster(new LocalOptions { Workers = workers, ThreadsPerWorker = 1 });
            await cluster.WaitForWorkersAsync(workers, ConnectLimit);
            seconds[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }

        return new(scenario, Median(seconds), "s", workers, $"median of {string.Join(", ", seconds.Select(s => s.ToString("F3")))} s");
    }

    private static async Task<Figure[]> MemoryAsync(bool quick)
    {
        var n = quick ? 100_000 : 1_000_000;
        await using var cluster = await StartedClusterAsync();
        var pids = cluster.WorkerProcessIds;
        await Task.Delay(TimeSpan.FromSeconds(1));
        var idle = pids.Select(ResidentMegabytes).ToArray();

        var peak = new double[pids.Count];
        void Sample()
        {
            for (var i = 0; i < pids.Count; i++)
            {
                peak[i] = Math.Max(peak[i], ResidentMegabytes(pids[i]));
            }
        }

        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                Sample();
                await Task.Delay(50);
            }
        });
        await cluster.Gather(cluster.Map<int, int>(Identity, Enumerable.Range(0, n)));
        await stop.CancelAsync();
        await sampler;
        Sample();

        return
        [
            new("idle_worker_rss", idle.Max(), "MB", 1, $"workers {string.Join(", ", idle.Select(mb => mb.ToString("F1")))} MB"),
            new("busy_worker_rss", peak.Max(), "MB", n, $"workers {string.Join(", ", peak.Select(mb => mb.ToString("F1")))} MB"),
        ];
    }

    private static async Task<Figure[]> QueuedMemoryAsync(bool quick)
    {
        var n = quick ? 100_000 : 1_000_000;
        // No workers ever connect, so everything a Map sends stays queued on the coordinator.
        await using var cluster = new SlurmCluster(new SlurmOptions { Cores = 1, Memory = "1GB", ListenAddress = "127.0.0.1" });
        await cluster.StartAsync();
        // A first Map outside the measurement, so that one-time allocations are not counted per task.
        var warmUp = cluster.Map<int, int>(Identity, Enumerable.Range(0, 1000));

        var before = GC.GetTotalMemory(forceFullCollection: true);
        var futures = cluster.Map<int, int>(Identity, Enumerable.Range(0, n));
        var after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(futures);
        GC.KeepAlive(warmUp);

        // A map sends a window of its items at a time (issue 17), so what is counted here is what the client holds per
        // item of a map whose items wait: its state, result slot and item, and the first window's encoded arguments.
        var queued = futures.Counts.Queued;
        return [new("queued_memory", (double)(after - before) / n, "bytes/task", n,
            $"managed heap {(after - before) / 1048576.0:F1} MiB for {n:N0} waiting tasks ({queued:N0} counted queued), encoded arguments included")];
    }

    private static (double Client, double Workers) ProcessorSeconds(LocalCluster cluster)
    {
        static double Of(Process process)
        {
            using (process)
            {
                return process.TotalProcessorTime.TotalSeconds;
            }
        }

        return (Of(Process.GetCurrentProcess()), cluster.WorkerProcessIds.Sum(pid => Of(Process.GetProcessById(pid))));
    }

    private static double ResidentMegabytes(int pid)
    {
        try
        {
            // The kernel writes kB; a process that just ended has no VmRSS line (a restarted worker is not followed).
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(line => line.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0]) / 1024.0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    internal static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    internal static void Check(bool condition, string problem)
    {
        if (!condition)
        {
            throw new InvalidOperationException(problem);
        }
    }
}
