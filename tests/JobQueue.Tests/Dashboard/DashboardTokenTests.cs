using System.Net;
using System.Net.Http.Headers;

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
        Token = System.Web.HttpUtility.ParseQueryString(link.Query)["token"] ?? "";
        Http.BaseAddress = new Uri($"http://127.0.0.1:{link.Port}/");
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Cluster.DisposeAsync();
    }
}

/// <summary>
/// A dashboard bound to every interface asks for its token. The rule is about the binding, so the loopback client of
/// these tests must show its token too.
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
    public async Task Without_the_token_every_data_path_is_forbidden(string path)
    {
        using var response = await _http.GetAsync(path);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("DashboardLink", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_wrong_token_is_forbidden()
    {
        using var wrongLength = await _http.GetAsync("api/status?token=0123");
        using var wrongValue = await _http.GetAsync($"api/status?token={new string('0', 64)}");

        Assert.Equal(HttpStatusCode.Forbidden, wrongLength.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, wrongValue.StatusCode);
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
    public async Task A_loopback_dashboard_needs_no_token()
    {
        await using var open = new LocalCluster(new LocalOptions { Workers = 1, DashboardAddress = "127.0.0.1:0" });
        await open.StartAsync();
        using var response = await _http.GetAsync(new Uri(new Uri(open.DashboardLink!), "api/status"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("token", open.DashboardLink);
    }
}
