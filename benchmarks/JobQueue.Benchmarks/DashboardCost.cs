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
        var (n, rounds) = quick ? (200_000, 3) : (1_000_000, 9);
        await using var off = await StartedAsync(null);
        await using var open = await StartedAsync("127.0.0.1:0");
        var link = new Uri(open.DashboardLink ?? throw new InvalidOperationException("the dashboard did not start"));
        using var http = new HttpClient
        {
            BaseAddress = new Uri(link.GetLeftPart(UriPartial.Path)), Timeout = Timeout.InfiniteTimeSpan,
            DefaultRequestHeaders = { Authorization = new("Bearer", link.Query["?token=".Length..]) },
        };

        // A first Map of this size also pays for tiered JIT and for growing the heap; the rounds compare steady states.
        await MapAsync(off, n);
        await WatchedMapAsync(open, http, n);

        var (without, with) = (new Run[rounds], new Run[rounds]);
        var events = 0L;
        for (var round = 0; round < rounds; round++)
        {
            // Alternating which goes first cancels what the order does; neighbours share the machine's load of the moment.
            if (round % 2 == 0)
            {
                without[round] = await MapAsync(off, n);
            }

            (with[round], var read) = await WatchedMapAsync(open, http, n);
            events += read;
            if (round % 2 == 1)
            {
                without[round] = await MapAsync(off, n);
            }
        }

        var (plain, watched) = (Scenarios.Median([.. without.Select(run => run.Throughput)]), Scenarios.Median([.. with.Select(run => run.Throughput)]));
        var ratio = Scenarios.Median([.. with.Zip(without, (a, b) => a.Throughput / b.Throughput)]);
        string Runs(Run[] values) =>
            $"{string.Join(", ", values.Select(value => $"{value.Throughput / 1000:F0}k"))} tasks/s; client CPU median {Scenarios.Median([.. values.Select(value => value.ClientCpu)]):F2} s per Map";
        return
        [
            new("dashboard_off", plain, "tasks/s", n, $"median of {rounds} Maps without a dashboard: {Runs(without)}"),
            new("dashboard_open", watched, "tasks/s", n, $"median of {rounds} Maps with the page open: {Runs(with)}; {events:N0} events read"),
            new("dashboard_ratio", 100 * ratio, "%", n, $"median of the {rounds} rounds' open/off ratios (of the medians: {100 * watched / plain:F1} %); the goal is at least 95 %"),
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

    private static async Task<Run> MapAsync(LocalCluster cluster, int n)
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var start = Stopwatch.GetTimestamp();
        var results = await cluster.Gather(cluster.Map<int, int>(Identity, Enumerable.Range(0, n)));
        var elapsed = Stopwatch.GetElapsedTime(start);
        if (results.Length != n || results[^1] != n - 1)
        {
            throw new InvalidOperationException("the results are not the inputs");
        }

        return new Run(n / elapsed.TotalSeconds, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
    }

    /// <summary>A Map while an events client reads the dashboard, connected before the Map starts.</summary>
    private static async Task<(Run Run, long Events)> WatchedMapAsync(LocalCluster cluster, HttpClient http, int n)
    {
        using var closing = new CancellationTokenSource();
        var connected = new TaskCompletionSource();
        var reading = ReadEventsAsync(http, connected, closing.Token);
        await connected.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var run = await MapAsync(cluster, n);
        await closing.CancelAsync();
        return (run, await reading);
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

    /// <summary>One measured Map: its throughput and this (the client's) process's CPU time during it, which the dashboard shares.</summary>
    private sealed record Run(double Throughput, double ClientCpu);
}
