using System.Diagnostics;

namespace JobQueue.Benchmarks;

/// <summary>
/// File serving under load: 8 workers fetch one 512 MiB scattered value at once. Reports the client's peak RSS while
/// they fetch, what the fetch added to the RSS before it (the client holds the value; Scatter put its encoding in a file), and the
/// seconds until every worker had it.
/// </summary>
internal static class FetchScattered
{
    private const int Workers = 8;
    private const int Size = 512 << 20;

    public static readonly Scenario Scenario = new(
        "fetch_512MiB", ["fetch_512MiB_peak_rss", "fetch_512MiB_added_rss", "fetch_512MiB_seconds"], ["MB", "MB", "s"], RunAsync);

    private static async Task<Figure[]> RunAsync(bool quick)
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = Workers, ThreadsPerWorker = 1, LocalDirectory = Directory.CreateTempSubdirectory("jobqueue-bench-fetch-").FullName });
        await cluster.WaitForWorkersAsync(Workers, TimeSpan.FromSeconds(120));
        var bytes = new byte[Size];
        Random.Shared.NextBytes(bytes);
        var scattered = cluster.Scatter(bytes);
        var length = await cluster.Submit(() => 1); // ships the code first: only the value is fetched below
        GC.Collect();
        var before = ResidentMegabytes();
        var peak = before;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, ResidentMegabytes());
                await Task.Delay(10, CancellationToken.None);
            }
        });

        var started = Stopwatch.GetTimestamp();
        // One item per worker: the scheduler deals them round the workers, which all ask for the value at once.
        var read = await cluster.Gather(cluster.Map((int _) => (Environment.ProcessId, scattered.Value.Length), Enumerable.Range(0, Workers), new MapOptions { BatchSize = 1 }));
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        await sampling.CancelAsync();
        await sampler;
        if (read.Any(item => item.Length != Size) || length != 1)
        {
            throw new InvalidOperationException("a worker read the scattered value wrongly");
        }

        return
        [
            new("fetch_512MiB_peak_rss", peak, "MB", Workers, $"client RSS {before:F0} MB before the fetch (it holds the value; its encoding is in a file); {read.Select(item => item.ProcessId).Distinct().Count()} workers fetched"),
            new("fetch_512MiB_added_rss", peak - before, "MB", Workers),
            new("fetch_512MiB_seconds", seconds, "s", Workers),
        ];
    }

    private static double ResidentMegabytes()
    {
        var line = File.ReadLines("/proc/self/status").First(line => line.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0]) / 1024.0;
    }
}
