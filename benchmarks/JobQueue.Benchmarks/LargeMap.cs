using System.Diagnostics;

namespace JobQueue.Benchmarks;

/// <summary>
/// A default <c>Map</c> of 20,000,000 ints, gathered: the client's peak resident memory while it runs, and its
/// tasks per second (issue 17: what the client holds per item).
/// </summary>
internal static class LargeMap
{
    public static readonly Scenario Scenario = new("map_20M_ints", ["map_20M_ints_rss", "map_20M_ints"], ["MB", "tasks/s"], RunAsync);

    private static int Identity(int x) => x;

    private static async Task<Figure[]> RunAsync(bool quick)
    {
        var n = quick ? 2_000_000 : 20_000_000;
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 2, ThreadsPerWorker = 1 });
        await cluster.WaitForWorkersAsync(2, TimeSpan.FromSeconds(60));
        await cluster.Gather(cluster.Map<int, int>(Identity, Enumerable.Range(0, 50_000)));
        GC.Collect();
        var before = ClientMemory.ResetPeak() ? "" : "; the peak could not be reset, so it counts the process's whole life";

        var start = Stopwatch.GetTimestamp();
        var futures = cluster.Map<int, int>(Identity, Enumerable.Range(0, n));
        var mapped = Stopwatch.GetElapsedTime(start);
        var results = await cluster.Gather(futures);
        var elapsed = Stopwatch.GetElapsedTime(start);
        var peak = ClientMemory.PeakMegabytes();
        if (results.Length != n || results[^1] != n - 1)
        {
            throw new InvalidOperationException("the results are not the inputs");
        }

        return
        [
            new("map_20M_ints_rss", peak, "MB", n, $"{peak * 1048576 / n:F0} bytes per item at the peak, the gathered int[] included{before}"),
            new("map_20M_ints", n / elapsed.TotalSeconds, "tasks/s", n, $"{elapsed.TotalSeconds:F1} s; Map returned after {mapped.TotalSeconds:F1} s"),
        ];
    }
}
