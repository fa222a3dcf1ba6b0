using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Google.Protobuf;
using JobQueue.Coordination.Protocol;
using JobQueue.Execution;

namespace JobQueue.Tests.Coordination;

public sealed class SecurityTests
{
    [Fact]
    public async Task A_wrong_secret_garbage_and_an_oversized_frame_are_refused_while_a_map_runs_unharmed()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 2, Name = "guarded" });
        await cluster.WaitForWorkersAsync(2, TimeSpan.FromSeconds(60));
        var futures = cluster.Map(async (int x, CancellationToken token) =>
        {
            await Task.Delay(1, token);
            return x + 1;
        }, Enumerable.Range(0, 5_000));
        var port = new Uri(cluster.Address!).Port;

        Assert.True(await IsDroppedAsync(port, async frames =>
        {
            await frames.WriteAsync(new WorkerHello { ProtocolVersion = Handshake.ProtocolVersion, Nonce = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(32)) }, default);
            Assert.NotNull(await frames.ReadAsync(CoordinatorHello.Parser, FrameStream.HandshakeFrameSize, default));
            await frames.WriteAsync(new WorkerProof { Proof = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(32)) }, default);
        }), "a proof made without the secret is refused");
        Assert.True(await IsDroppedAsync(port, raw => raw.WriteAsync(RandomNumberGenerator.GetBytes(4096))), "garbage bytes are refused");
        Assert.True(await IsDroppedAsync(port, raw =>
        {
            var header = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(header, int.MaxValue);
            return raw.WriteAsync(header);
        }), "a frame claiming 2 GB is refused without reading it");

        Assert.Equal(Enumerable.Range(1, 5_000), await cluster.Gather(futures));
        Assert.Equal(2, cluster.Workers.Count);
    }

    [Fact]
    public async Task A_worker_refuses_a_coordinator_that_does_not_know_the_secret_and_sends_it_nothing()
    {
        var directory = Directory.CreateTempSubdirectory("jobqueue-fake-");
        var fake = new TcpListener(IPAddress.Loopback, 0);
        fake.Start();
        try
        {
            using var worker = WorkerHostProcess.Start(new WorkerCommandLine
            {
                Scheduler = $"tcp://127.0.0.1:{((IPEndPoint)fake.LocalEndpoint).Port}", Name = "gullible", Threads = 1,
                MemoryLimit = new JobQueue.JobScripts.MemorySize(1 << 30), DeathTimeout = TimeSpan.FromSeconds(30),
                SecretFile = WorkerHostProcess.SecretFile(directory.FullName, RandomNumberGenerator.GetBytes(32)),
            }.ToArguments());
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            using var connection = await fake.AcceptTcpClientAsync(timeout.Token);
            var network = connection.GetStream();
            var frames = new FrameStream(network, network);
            Assert.NotNull(await frames.ReadAsync(WorkerHello.Parser, FrameStream.HandshakeFrameSize, timeout.Token));

            await frames.WriteAsync(new CoordinatorHello
            {
                ProtocolVersion = Handshake.ProtocolVersion, Nonce = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(32)),
                Proof = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(32)),
            }, timeout.Token);

            Assert.Equal(0, await network.ReadAsync(new byte[1], timeout.Token));
            await worker.WaitForExitAsync(timeout.Token);
            Assert.Equal((int)WorkerExit.UntrustedCoordinator, worker.ExitCode);
        }
        finally
        {
            fake.Stop();
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task The_secret_lives_only_in_an_owner_only_file_that_dispose_removes()
    {
        string secretFile;
        await using (var cluster = new SlurmCluster(new SlurmOptions { Cores = 1, Memory = "1GB", ListenAddress = "127.0.0.1", SharedTempDirectory = Path.GetTempPath() }))
        {
            await cluster.StartAsync();
            secretFile = cluster.Definition.SecretFile;
            var secret = File.ReadAllText(secretFile);

            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(secretFile));
            Assert.Contains($"--secret-file {secretFile}", cluster.JobScript());
            Assert.Contains($"--scheduler {cluster.Address} ", cluster.JobScript());
            Assert.DoesNotContain(secret, cluster.JobScript());
        }

        Assert.False(File.Exists(secretFile));
    }

    private static async Task<bool> IsDroppedAsync(int port, Func<FrameStream, Task> speak) =>
        await IsDroppedAsync(port, (NetworkStream network) => speak(new FrameStream(network, network)));

    private static async Task<bool> IsDroppedAsync(int port, Func<NetworkStream, ValueTask> speak) =>
        await IsDroppedAsync(port, (NetworkStream network) => speak(network).AsTask());

    private static async Task<bool> IsDroppedAsync(int port, Func<NetworkStream, Task> speak)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var network = client.GetStream();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await speak(network);
            var buffer = new byte[1024];
            while (await network.ReadAsync(buffer, timeout.Token) > 0)
            {
                // The coordinator may answer a hello before it hangs up; only the end of the stream counts.
            }

            return true;
        }
        catch (IOException)
        {
            return true; // reset by the coordinator
        }
    }
}
