using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using JobQueue.Tests.Coordination;

namespace JobQueue.Tests.Dashboard;

/// <summary>One LocalCluster whose dashboard listens on a free loopback port, shared by the endpoint tests.</summary>
public sealed class DashboardClusterFixture : IAsyncLifetime
{
    public LocalCluster Cluster { get; } = new(new LocalOptions { Workers = 2, ThreadsPerWorker = 1, MemoryLimit = "1GiB", Name = "dash", DashboardAddress = "127.0.0.1:0" });

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public async Task InitializeAsync()
    {
        await Cluster.WaitForWorkersAsync(2, TimeSpan.FromSeconds(60));
        Http.Use(Cluster.DashboardLink!);
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Cluster.DisposeAsync();
    }
}

public sealed class DashboardEndpointTests(DashboardClusterFixture fixture) : IClassFixture<DashboardClusterFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly LocalCluster _cluster = fixture.Cluster;
    private readonly HttpClient _http = fixture.Http;

    [Fact]
    public void The_link_is_the_loopback_port_the_system_picked_with_its_token()
    {
        var link = new Uri(_cluster.DashboardLink!);

        Assert.Equal("127.0.0.1", link.Host);
        Assert.NotEqual(0, link.Port);
        Assert.Matches("^\\?token=[0-9a-f]{64}$", link.Query);
    }

    [Fact]
    public async Task Status_lists_the_workers_and_a_map_until_every_item_is_done_or_failed()
    {
        var futures = _cluster.Map((int x) => x == 7 ? throw new InvalidOperationException($"item {x} is bad") : x, Enumerable.Range(0, 500));
        await Assert.ThrowsAsync<AggregateException>(() => _cluster.Gather(futures, GatherErrors.CollectAll));

        JsonElement status = default;
        JsonElement map = default;
        await Eventually.HoldsAsync(
            async () =>
            {
                status = await StatusAsync();
                var maps = status.GetProperty("maps").EnumerateArray().Where(candidate => candidate.GetProperty("items").GetInt32() == 500).ToList();
                map = maps.LastOrDefault();
                return map.ValueKind == JsonValueKind.Object && map.GetProperty("done").GetInt32() == 500;
            },
            Deadline, "the map of 500 items shows 500 done");

        Assert.Equal(["dash-0", "dash-1"], status.GetProperty("workers").EnumerateArray().Select(worker => worker.GetProperty("name").GetString()).Order());
        Assert.All(status.GetProperty("workers").EnumerateArray(), worker => Assert.Equal(1, worker.GetProperty("threads").GetInt32()));
        Assert.Equal(1, map.GetProperty("failed").GetInt32());
        Assert.Equal(0, map.GetProperty("running").GetInt32());
        Assert.Equal(0, map.GetProperty("queued").GetInt32());
        var error = status.GetProperty("errors").EnumerateArray().Single(candidate => candidate.GetProperty("map").GetInt64() == map.GetProperty("number").GetInt64());
        Assert.Equal("System.InvalidOperationException", error.GetProperty("type").GetString());
        Assert.Equal("item 7 is bad", error.GetProperty("message").GetString());
        Assert.Equal(7, error.GetProperty("index").GetInt64());
        Assert.Contains(nameof(Status_lists_the_workers_and_a_map_until_every_item_is_done_or_failed), error.GetProperty("stackTrace").GetString());
    }

    [Fact]
    public async Task The_task_stream_counts_what_each_worker_finished_per_interval()
    {
        await _cluster.Gather(_cluster.Map((int x) => x, Enumerable.Range(0, 2000)));

        // Finishing happened before this sample or in it; the stream keeps a minute, so the counts are there.
        await Eventually.HoldsAsync(
            async () =>
            {
                var samples = (await StatusAsync()).GetProperty("taskStream").GetProperty("samples").EnumerateArray();
                return samples.SelectMany(sample => sample.GetProperty("finished").EnumerateObject()).Sum(worker => worker.Value.GetInt64()) >= 2000;
            },
            Deadline, "the task stream counts the 2000 finished tasks");
    }

    [Fact]
    public async Task Events_stream_the_status_as_server_sent_events()
    {
        using var response = await _http.GetAsync("events", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

        var first = await reader.ReadLineAsync();
        Assert.Equal("", await reader.ReadLineAsync());
        var second = await reader.ReadLineAsync();

        Assert.StartsWith("data: {", first);
        Assert.StartsWith("data: {", second);
        Assert.NotEqual(
            JsonDocument.Parse(first!["data: ".Length..]).RootElement.GetProperty("at").GetString(),
            JsonDocument.Parse(second!["data: ".Length..]).RootElement.GetProperty("at").GetString());
    }

    [Fact]
    public async Task The_page_and_its_assets_are_served_from_the_assembly()
    {
        var page = await _http.GetStringAsync("");
        Assert.Contains("assets/dashboard.js", page);
        Assert.DoesNotContain("http", page.Replace("http-equiv", "", StringComparison.Ordinal), StringComparison.Ordinal);

        using var script = await _http.GetAsync("assets/dashboard.js");
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        using var style = await _http.GetAsync("assets/dashboard.css");
        Assert.Equal(HttpStatusCode.OK, style.StatusCode);
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    public async Task It_is_read_only(string method)
    {
        using var response = await _http.SendAsync(new HttpRequestMessage(new HttpMethod(method), "api/status"));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(["GET"], response.Content.Headers.Allow);
    }

    [Fact]
    public async Task A_job_log_on_a_LocalCluster_is_not_found_with_a_reason()
    {
        using var response = await _http.GetAsync("api/jobs/42/log");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("no batch jobs", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_taken_port_moves_the_dashboard_to_the_next_free_one()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 1, DashboardAddress = $"127.0.0.1:{port}" });

        await cluster.StartAsync();

        Assert.NotEqual(port, new Uri(cluster.DashboardLink!).Port);
        Assert.True(new Uri(cluster.DashboardLink!).Port > port);
    }

    [Fact]
    public async Task A_null_DashboardAddress_means_no_dashboard_and_no_link()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 1, DashboardAddress = null });

        await cluster.StartAsync();

        Assert.NotNull(cluster.Address);
        Assert.Null(cluster.DashboardLink);
    }

    private async Task<JsonElement> StatusAsync()
    {
        using var response = await _http.GetAsync("api/status");
        response.EnsureSuccessStatusCode();
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }
}
