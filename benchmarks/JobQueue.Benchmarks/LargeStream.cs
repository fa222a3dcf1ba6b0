using System.Diagnostics;

namespace JobQueue.Benchmarks;

/// <summary>
/// 100,000,000 ints through <c>MapStream</c> with its default window: the client's peak resident memory and tasks per
/// second (issue 17: a stream's memory does not grow with its input).
/// </summary>
internal static class LargeStream
{
    public static readonly Scenario Scenario = new("mapstream_100M", ["mapstream_100M_rss", "mapstream_100M"], ["MB", "tasks/s"], RunAsync);

    private static int Identity(int x) => x;

    private static async Task<Figure[]> RunAsync(bool quick)
    {
        var n = quick ? 10_000_000 : 100_000_000;
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 2, ThreadsPerWorker = 1 });
        await cluster.WaitForWorkersAsync(2, TimeSpan.FromSeconds(60));
        await foreach (var _ in cluster.MapStream<int, int>(Identity, Enumerable.Range(0, 50_000)))
        {
        }

        GC.Collect();
        var before = ClientMemory.ResetPeak() ? "" : "; the peak could not be reset, so it counts the process's whole life";
        var start = Stopwatch.GetTimestamp();
        long expected = 0;
        await foreach (var result in cluster.MapStream<int, int>(Identity, Enumerable.Range(0, n)))
        {
            if (result != expected++)
            {
                throw new InvalidOperationException($"result {expected - 1} is {result}: not the input, or out of order");
            }
        }

        var elapsed = Stopwatch.GetElapsedTime(start);
        var peak = ClientMemory.PeakMegabytes();
        return
        [
            new("mapstream_100M_rss", peak, "MB", n, $"GC pauses {GC.GetTotalPauseDuration().TotalSeconds:F1} s over the process's life{before}"),
            new("mapstream_100M", n / elapsed.TotalSeconds, "tasks/s", n, $"{elapsed.TotalSeconds:F1} s"),
        ];
    }
}
