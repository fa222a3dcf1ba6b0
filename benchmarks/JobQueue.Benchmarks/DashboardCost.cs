using System.Diagnostics;

namespace JobQueue.Benchmarks;

/// <summary>
/// What an open dashboard costs the work: the no-op Map's throughput on a cluster without a dashboard and on one whose
/// page is open (a server-sent-events client reading every sample), in alternating rounds so that both see the same
/// machine load. The goal is within 5 %.
/// </summary>
internal static class DashboardCost
{
    public static readonly Scenario Scenario = new(
        "dashboard", ["dashboard_off", "dashboard_open", "dashboard_ratio"], ["tasks/s", "tasks/s", "%"], RunAsync);

    private static int Identity(int x) => x;

    private static async Task<Figure[]> RunAsync(bool quick)
    {
        var (n, rounds) = quick ? (200_000, 3) : (1_000_000, 5);
        await using var off = await StartedAsync(null);
        await using var open = await StartedAsync("127.0.0.1:0");
        using var http = new HttpClient { BaseAddress = new Uri(open.DashboardLink ?? throw new InvalidOperationException("the dashboard did not start")), Timeout = Timeout.InfiniteTimeSpan };
        await ThroughputAsync(off, 100_000);
        await ThroughputAsync(open, 100_000);

        var (without, with) = (new double[rounds], new double[rounds]);
        var events = 0L;
        for (var round = 0; round < rounds; round++)
        {
            without[round] = await ThroughputAsync(off, n);
            using var closing = new CancellationTokenSource();
            var connected = new TaskCompletionSource();
            var reading = ReadEventsAsync(http, connected, closing.Token);
            await connected.Task.WaitAsync(TimeSpan.FromSeconds(30));
            with[round] = await ThroughputAsync(open, n);
            await closing.CancelAsync();
            events += await reading;
        }

        var (plain, watched) = (Scenarios.Median(without), Scenarios.Median(with));
        string Runs(double[] values) => string.Join(", ", values.Select(value => $"{value:N0}"));
        return
        [
            new("dashboard_off", plain, "tasks/s", n, $"median of {rounds} Maps without a dashboard: {Runs(without)} tasks/s"),
            new("dashboard_open", watched, "tasks/s", n, $"median of {rounds} Maps with the page open: {Runs(with)} tasks/s; {events:N0} events read"),
            new("dashboard_ratio", 100 * watched / plain, "%", n, "open over off; the goal is at least 95 %"),
        ];
    }

    private static async Task<LocalCluster> StartedAsync(string? dashboardAddress)
    {
        var cluster = new LocalCluster(new LocalOptions { Workers = 2, ThreadsPerWorker = 1, DashboardAddress = dashboardAddress });
        try
        {
            await cluster.WaitForWorkersAsync(2, TimeSpan.FromSeconds(60));
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private static async Task<double> ThroughputAsync(LocalCluster cluster, int n)
    {
        var start = Stopwatch.GetTimestamp();
        var results = await cluster.Gather(cluster.Map<int, int>(Identity, Enumerable.Range(0, n)));
        var elapsed = Stopwatch.GetElapsedTime(start);
        if (results.Length != n || results[^1] != n - 1)
        {
            throw new InvalidOperationException("the results are not the inputs");
        }

        return n / elapsed.TotalSeconds;
    }

    // What a browser's EventSource does, without the parsing, which a browser does in its own process.
    private static async Task<long> ReadEventsAsync(HttpClient http, TaskCompletionSource connected, CancellationToken cancellationToken)
    {
        var events = 0L;
        try
        {
            using var response = await http.GetAsync("events", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    events++;
                    connected.TrySetResult();
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        return events;
    }
}
