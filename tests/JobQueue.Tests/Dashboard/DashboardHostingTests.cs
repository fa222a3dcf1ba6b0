using System.Net;
using System.Net.Sockets;
using JobQueue.Tests.BatchSystems;

namespace JobQueue.Tests.Dashboard;

/// <summary>The dashboard lives in JobQueue itself: every cluster of a process gets one, and a taken port costs one line.</summary>
public sealed class DashboardHostingTests
{
    [Fact]
    public async Task A_second_cluster_in_the_same_process_gets_a_dashboard_on_the_next_port_and_the_log_says_so_once()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        taken.Stop(); // free for the first cluster, taken by it for the second
        var log = new CollectingLoggerFactory();
        var options = new LocalOptions { Workers = 1, DashboardAddress = $"127.0.0.1:{port}", LoggerFactory = log };
        await using var first = new LocalCluster(options with { Name = "first" });
        await first.StartAsync();
        await using var second = new LocalCluster(options with { Name = "second" });
        await second.StartAsync();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        foreach (var link in new[] { first.DashboardLink, second.DashboardLink })
        {
            Assert.NotNull(link);
            using var response = await http.GetAsync(link);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(port, new Uri(first.DashboardLink!).Port);
        Assert.NotEqual(port, new Uri(second.DashboardLink!).Port);
        Assert.Single(log.Messages, message => message.Contains("was taken", StringComparison.Ordinal));
        Assert.Empty(log.Warnings);
    }
}
