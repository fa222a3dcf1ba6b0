using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using JobQueue.Coordination;
using JobQueue.JobScripts;
using JobQueue.Tests.BatchSystems;
using JobQueue.Worker;

namespace JobQueue.Tests.Coordination;

/// <summary>The worker's side of Interface (<c>--interface</c>): it dials the coordinator from that interface's address.</summary>
public sealed class OutgoingInterfaceTests
{
    [Fact]
    public async Task A_connection_leaves_from_the_interface_address_not_the_one_routing_picks()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var coordinator = new DnsEndPoint("127.0.0.1", ((IPEndPoint)listener.LocalEndpoint).Port);

        // The control: routing picks 127.0.0.1 for 127.0.0.1.
        using (var plain = new TcpClient())
        {
            await plain.ConnectAsync(coordinator.Host, coordinator.Port);
            using var accepted = await listener.AcceptTcpClientAsync();
            Assert.Equal(IPAddress.Loopback, ((IPEndPoint)accepted.Client.RemoteEndPoint!).Address);
        }

        // An interface whose address is 127.0.0.2 (also the loopback's): the connection leaves from it.
        var other = IPAddress.Parse("127.0.0.2");
        await using (var bound = await OutgoingInterface.WithAddresses("lo2", other).ConnectAsync(coordinator, CancellationToken.None))
        {
            using var accepted = await listener.AcceptTcpClientAsync();
            Assert.Equal(other, ((IPEndPoint)accepted.Client.RemoteEndPoint!).Address);
        }

        // No address of the coordinator's family: a clear socket error, not a connection from elsewhere.
        var error = await Assert.ThrowsAsync<SocketException>(
            async () => await OutgoingInterface.WithAddresses("ib0", IPAddress.IPv6Loopback).ConnectAsync(coordinator, CancellationToken.None));
        Assert.Equal("Interface ib0 (::1) has no address of the family of the coordinator 127.0.0.1 (127.0.0.1).", error.Message);
    }

    [Fact]
    public async Task A_worker_with_Interface_lo_reaches_the_coordinator_from_127_0_0_1()
    {
        var logging = new CollectingLoggerFactory();
        var secretPath = Path.Combine(Path.GetTempPath(), $"jobqueue-interface-{Guid.NewGuid():N}.secret");
        await using var coordinator = Coordinator.Start(
            new CoordinatorSettings("127.0.0.1", [0], null, null, secretPath), new FutureCompletion((_, _) => { }), logging.CreateLogger("coordinator"));
        using var worker = WorkerHostProcess.Start(CommandLine(coordinator, "lo").ToArguments());
        try
        {
            await coordinator.WaitForWorkersAsync(1, new CancellationTokenSource(TestClusterFactory.Deadline).Token);

            // The coordinator logs the peer address it sees.
            Assert.Contains(logging.Messages, message => message.StartsWith($"Worker on-lo connected from {Environment.MachineName} (127.0.0.1:", StringComparison.Ordinal));
        }
        finally
        {
            worker.Kill();
        }
    }

    [Fact]
    public async Task A_worker_with_an_unknown_interface_exits_at_once_listing_the_interfaces_there_are()
    {
        var secretPath = Path.Combine(Path.GetTempPath(), $"jobqueue-interface-{Guid.NewGuid():N}.secret");
        await using var coordinator = StandaloneCoordinator.Start(new CoordinatorSettings("127.0.0.1", [0], null, null, secretPath));
        var errors = new ConcurrentQueue<string>();
        using var worker = WorkerHostProcess.Start(CommandLine(coordinator, "nope0").ToArguments(), errors.Enqueue);

        await worker.WaitForExitAsync(new CancellationTokenSource(TestClusterFactory.Deadline).Token);

        Assert.Equal(2, worker.ExitCode);
        Assert.Contains(errors, line => line.Contains("--interface = \"nope0\" is not a network interface of this machine; it has lo (127.0.0.1", StringComparison.Ordinal));
        Assert.Empty(coordinator.Workers);
    }

    private static WorkerCommandLine CommandLine(Coordinator coordinator, string networkInterface) => new()
    {
        Scheduler = coordinator.Address, Name = $"on-{networkInterface}", Threads = 1, MemoryLimit = new MemorySize(1 << 30),
        DeathTimeout = TimeSpan.FromSeconds(30), SecretFile = coordinator.SecretPath, Interface = networkInterface, LogLevel = "Warning",
    };
}
