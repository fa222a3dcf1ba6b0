using System.Net;
using System.Net.Sockets;
using JobQueue.Tests.BatchSystems;
using JobQueue.Tests.JobScripts;

namespace JobQueue.Tests.Coordination;

/// <summary>
/// Interface picks the coordinator's address when it starts (bind and advertise); an unknown name fails then, listing
/// the interfaces there are; ListenAddress and ContactAddress win over it. On this machine's real interfaces.
/// </summary>
[Collection(BatchSystemCollection.Name)]
public sealed class InterfaceTests
{
    private static readonly SlurmOptions Options = new() { Cores = 1, Memory = "1GiB", Name = "iface", DashboardAddress = null };

    /// <summary>An address of no interface here is not a taken port: the error says which option to change.</summary>
    [Fact]
    public async Task A_ListenAddress_this_machine_does_not_have_fails_the_start_naming_the_option()
    {
        await using var cluster = TestClusters.Slurm(Options with { ListenAddress = "192.0.2.1" }); // TEST-NET-1: on no machine

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => cluster.StartAsync());

        Assert.Contains("192.0.2.1", error.Message);
        Assert.Contains("ListenAddress", error.Message);
        Assert.DoesNotContain("are taken", error.Message);
    }

    [Fact]
    public async Task A_taken_port_of_the_range_is_skipped_for_the_next()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        await using var cluster = TestClusters.Slurm(Options with { ListenAddress = "127.0.0.1", Port = $"{port}-{port + 20}" });

        await cluster.StartAsync();

        var bound = new Uri(cluster.Address!).Port;
        Assert.InRange(bound, port + 1, port + 20);
    }

    [Fact]
    public async Task Interface_lo_binds_and_advertises_127_0_0_1_and_says_why()
    {
        var logging = new CollectingLoggerFactory();
        await using var cluster = TestClusters.Slurm(Options with { Interface = "lo", LoggerFactory = logging });

        await cluster.StartAsync();

        Assert.StartsWith("tcp://127.0.0.1:", cluster.Address);
        Assert.StartsWith($"SlurmCluster(iface, {cluster.Address} from Interface lo): ", cluster.ToString());
        Assert.Contains($"Coordinator listening on 127.0.0.1; workers dial {cluster.Address} (from Interface lo; TLS 1.3)", logging.Messages);

        // Bound to lo's address rather than to every address: another loopback address finds nothing there.
        using var other = new TcpClient();
        await Assert.ThrowsAsync<SocketException>(() => other.ConnectAsync(IPAddress.Parse("127.0.0.2"), new Uri(cluster.Address!).Port));
    }

    [Fact]
    public async Task Without_Interface_or_ListenAddress_the_coordinator_listens_everywhere_and_says_which_address_it_advertises()
    {
        await using var cluster = TestClusters.Slurm(Options);

        await cluster.StartAsync();

        // The control of the test above: bound to every address, another loopback address connects.
        using var other = new TcpClient();
        await other.ConnectAsync(IPAddress.Parse("127.0.0.2"), new Uri(cluster.Address!).Port);
        Assert.Contains(" from this machine's first network address (set Interface to choose)): ", cluster.ToString());
    }

    [Fact]
    public async Task An_unknown_interface_fails_when_the_coordinator_starts_listing_the_interfaces_there_are()
    {
        await using var cluster = TestClusters.Slurm(Options with { Interface = "nope0" });
        Assert.Contains("nope0", cluster.JobScript());

        var error = await Assert.ThrowsAsync<ArgumentException>(() => cluster.StartAsync());

        Assert.Equal("Interface", error.ParamName);
        Assert.StartsWith("SlurmOptions.Interface = \"nope0\" is not a network interface of this machine; it has ", error.Message);
        Assert.Contains("lo (127.0.0.1", error.Message);
        Assert.Null(cluster.Address);
    }

    [Fact]
    public async Task ListenAddress_and_ContactAddress_win_over_Interface()
    {
        await using (var listening = TestClusters.Slurm(Options with { Interface = "nope0", ListenAddress = "127.0.0.1" }))
        {
            await listening.StartAsync();

            Assert.StartsWith("tcp://127.0.0.1:", listening.Address);
            Assert.Contains(" from ListenAddress): ", listening.ToString());
        }

        await using var contacted = TestClusters.Slurm(Options with { Interface = "lo", ContactAddress = "login1:40123" });
        await contacted.StartAsync();

        Assert.Equal("tcp://login1:40123", contacted.Address);
        Assert.Contains(" from ContactAddress): ", contacted.ToString());
    }

    [BatchSystemFact("sbatch")]
    public async Task Workers_of_a_Slurm_job_reach_a_coordinator_on_Interface_lo()
    {
        var logging = new CollectingLoggerFactory();
        await using var cluster = TestClusterFactory.Create(TestBatchSystem.Slurm, options => options with { ListenAddress = null, Interface = "lo", LoggerFactory = logging });

        cluster.Scale(1);
        await cluster.WaitForWorkersAsync(1, TestClusterFactory.Deadline);

        Assert.StartsWith("tcp://127.0.0.1:", cluster.Address);
        Assert.Contains("--interface lo", cluster.JobScript());
        Assert.Equal(1, await cluster.Submit(() => 1));

        // The worker dialed from lo's address, as the coordinator saw it.
        Assert.Contains(logging.Messages, message => message.Contains($"-0 connected from ", StringComparison.Ordinal) && message.Contains(" (127.0.0.1:", StringComparison.Ordinal));
    }
}
