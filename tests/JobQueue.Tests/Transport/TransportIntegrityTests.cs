using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using JobQueue.Tests.Coordination;

namespace JobQueue.Tests.Transport;

/// <summary>A host on the path between workers and the coordinator (a relay on 127.0.0.1) can neither read nor alter what travels.</summary>
public sealed class TransportIntegrityTests
{
    [Fact]
    public async Task A_host_on_the_path_neither_reads_nor_rewrites_arguments_and_results()
    {
        var port = FreePort();
        await using var proxy = new TamperingProxy(port, "GENUINE", "FORGED!");
        await using var cluster = new LocalCluster(new LocalOptions
        {
            Workers = 1, Name = "onpath", Port = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ContactAddress = $"127.0.0.1:{proxy.Port}", DashboardAddress = null,
        });

        var results = await cluster.Gather(cluster.Map((string text) => text + "-RESULT", ["GENUINE-A", "GENUINE-B"]));

        Assert.True(proxy.Connections > 0, "the worker dialled the relay");
        Assert.Equal(["GENUINE-A-RESULT", "GENUINE-B-RESULT"], results);
        Assert.Equal(0, proxy.MarkersSeen);
    }

    [Fact]
    public async Task A_flipped_byte_drops_that_connection_and_every_item_still_gets_one_correct_result()
    {
        var port = FreePort();
        await using var proxy = new TamperingProxy(port, "GENUINE", "FORGED!");
        // Well past the TLS handshake, the proofs and the registration: into the code and tasks the coordinator sends.
        proxy.FlipOneByteAfter(20_000);
        await using var cluster = new LocalCluster(new LocalOptions
        {
            Workers = 2, ThreadsPerWorker = 1, Name = "flipped", Port = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ContactAddress = $"127.0.0.1:{proxy.Port}", DashboardAddress = null,
        });

        var results = await cluster.Gather(cluster.Map(async (int x, CancellationToken token) =>
        {
            await Task.Delay(2, token);
            return x * 7;
        }, Enumerable.Range(0, 2_000), new MapOptions { BatchSize = 1 }));

        Assert.True(proxy.Flipped, "the relay flipped a byte");
        Assert.True(proxy.Connections >= 3, $"{proxy.Connections} connections: the damaged one was dropped and its worker dialled again");
        Assert.Equal(Enumerable.Range(0, 2_000).Select(x => x * 7), results);
    }

    [Fact]
    public async Task OpenSSL_sees_TLS_1_3_and_ALPN_h2_on_the_coordinators_port()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 1, Name = "inspected", DashboardAddress = null });
        await cluster.StartAsync();
        var port = new Uri(cluster.Address!).Port;

        var startInfo = new ProcessStartInfo("openssl", ["s_client", "-connect", $"127.0.0.1:{port}", "-alpn", "h2"])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var openssl = Process.Start(startInfo)!;
        openssl.StandardInput.Close();
        var output = string.Join('\n', await Task.WhenAll(openssl.StandardOutput.ReadToEndAsync(), openssl.StandardError.ReadToEndAsync()));
        await openssl.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Contains("New, TLSv1.3, Cipher is", output);
        Assert.Contains("ALPN protocol: h2", output);
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
