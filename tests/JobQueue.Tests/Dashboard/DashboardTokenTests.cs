using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using JobQueue.Tests.BatchSystems;

namespace JobQueue.Tests.Dashboard;

/// <summary>One LocalCluster whose dashboard is bound to every interface (0.0.0.0), reached only through 127.0.0.1.</summary>
public sealed class GuardedDashboardFixture : IAsyncLifetime
{
    public LocalCluster Cluster { get; } = new(new LocalOptions { Workers = 1, Name = "guarded", DashboardAddress = "0.0.0.0:0" });

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public string Token { get; private set; } = "";

    public async Task InitializeAsync()
    {
        await Cluster.StartAsync();
        var link = new Uri(Cluster.DashboardLink!);
        Token = DashboardLinks.Token(Cluster.DashboardLink!);
        Http.BaseAddress = new Uri($"http://127.0.0.1:{link.Port}/");
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Cluster.DisposeAsync();
    }
}

/// <summary>
/// Every dashboard asks for its token, on the loopback too (other users of a login node share it). Bound to the
/// loopback, it also refuses requests for other host names (DNS rebinding); bound beyond it, the token decides.
/// </summary>
public sealed class DashboardTokenTests(GuardedDashboardFixture fixture) : IClassFixture<GuardedDashboardFixture>
{
    private readonly LocalCluster _cluster = fixture.Cluster;
    private readonly HttpClient _http = fixture.Http;
    private readonly string _token = fixture.Token;

    [Fact]
    public void The_link_carries_a_64_digit_hex_token()
    {
        Assert.Matches("^[0-9a-f]{64}$", _token);
        Assert.EndsWith($"/?token={_token}", _cluster.DashboardLink);
    }

    [Theory]
    [InlineData("")]
    [InlineData("api/status")]
    [InlineData("events")]
    [InlineData("api/jobs/1/log")]
    public async Task Without_the_token_every_data_path_is_refused(string path)
    {
        using var response = await _http.GetAsync(path);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("DashboardLink", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_wrong_token_is_refused()
    {
        using var wrongLength = await _http.GetAsync("api/status?token=0123");
        using var wrongValue = await _http.GetAsync($"api/status?token={new string('0', 64)}");

        Assert.Equal(HttpStatusCode.Unauthorized, wrongLength.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongValue.StatusCode);
    }

    [Fact]
    public async Task The_token_opens_the_page_and_the_status_as_a_query_or_as_a_bearer_header()
    {
        using var page = await _http.GetAsync($"?token={_token}");
        using var byQuery = await _http.GetAsync($"api/status?token={_token}");
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/status") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", _token) } };
        using var byHeader = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal(HttpStatusCode.OK, byQuery.StatusCode);
        Assert.Equal(HttpStatusCode.OK, byHeader.StatusCode);
        Assert.Contains("\"cluster\":\"guarded\"", await byHeader.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Assets_hold_no_data_and_need_no_token()
    {
        using var script = await _http.GetAsync("assets/dashboard.js");

        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
    }

    [Fact]
    public async Task Another_user_of_the_machine_cannot_read_a_loopback_dashboard()
    {
        await using var loopback = new LocalCluster(new LocalOptions { Workers = 1, Name = "private", DashboardAddress = "127.0.0.1:0" });
        await loopback.StartAsync();
        var status = new Uri(new Uri(loopback.DashboardLink!), "api/status");

        using var curl = Process.Start(new ProcessStartInfo("runuser", ["-u", "nobody", "--", "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", status.ToString()])
        {
            RedirectStandardOutput = true, UseShellExecute = false,
        })!;
        var code = await curl.StandardOutput.ReadToEndAsync();
        await curl.WaitForExitAsync();

        Assert.Equal("401", code);
        using var withLink = await _http.GetAsync(new Uri(new Uri(loopback.DashboardLink!), $"api/status?token={Token(loopback)}"));
        Assert.Equal(HttpStatusCode.OK, withLink.StatusCode);
    }

    [Theory]
    [InlineData("evil.test", HttpStatusCode.BadRequest)]
    [InlineData("127.0.0.1.nip.io", HttpStatusCode.BadRequest)]
    [InlineData("localhost", HttpStatusCode.OK)]
    [InlineData("127.0.0.1", HttpStatusCode.OK)]
    [InlineData("[::1]", HttpStatusCode.OK)]
    public async Task A_loopback_dashboard_answers_only_requests_for_a_loopback_name(string host, HttpStatusCode expected)
    {
        await using var loopback = new LocalCluster(new LocalOptions { Workers = 1, Name = "rebinding", DashboardAddress = "127.0.0.1:0" });
        await loopback.StartAsync();
        var link = new Uri(loopback.DashboardLink!);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(link, $"api/status?token={Token(loopback)}"));
        request.Headers.Host = $"{host}:{link.Port}";

        using var response = await _http.SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task A_dashboard_bound_beyond_the_loopback_lets_the_token_decide_whatever_the_host_name()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/status?token={_token}");
        request.Headers.Host = "login1.cluster.example.org";

        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task The_token_is_never_written_to_the_log()
    {
        using var log = new CollectingLoggerFactory();
        await using var logged = new LocalCluster(new LocalOptions { Workers = 1, Name = "logged", DashboardAddress = "127.0.0.1:0", LoggerFactory = log });
        await logged.WaitForWorkersAsync(1, TimeSpan.FromSeconds(60));

        Assert.Contains(log.Messages, message => message.Contains($"Dashboard at {DashboardLinks.Root(logged.DashboardLink!)}", StringComparison.Ordinal));
        Assert.DoesNotContain(log.Messages, message => message.Contains(Token(logged), StringComparison.Ordinal));
    }

    private static string Token(LocalCluster cluster) => DashboardLinks.Token(cluster.DashboardLink!);
}
