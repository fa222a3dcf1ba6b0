using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using JobQueue.Coordination;
using JobQueue.Protocol;
using Microsoft.Extensions.Logging.Abstractions;
using JobQueue.Worker;
using JobQueue.JobScripts;

namespace JobQueue.Tests.Coordination;

public sealed class SecurityTests
{
    [Fact]
    public async Task A_wrong_proof_garbage_plaintext_and_the_old_protocol_are_refused_while_a_map_runs_unharmed()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 2, Name = "guarded", DashboardAddress = null });
        await cluster.WaitForWorkersAsync(2, TimeSpan.FromSeconds(60));
        var futures = cluster.Map(async (int x, CancellationToken token) =>
        {
            await Task.Delay(1, token);
            return x + 1;
        }, Enumerable.Range(0, 5_000));
        var address = new Uri(cluster.Address!);
        var genuine = ClusterSecret.Read(cluster.SecretPath!);

        // Anyone can see the certificate; without the secret the proof is still wrong.
        var impostor = genuine with { Secret = RandomNumberGenerator.GetBytes(32) };
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => CoordinatorConnection.OpenAsync(address, impostor, TimeSpan.FromSeconds(10), null, default));
        Assert.IsType<WireProtocolException>(refused); // the coordinator's own proof fails first: the worker side checks it
        Assert.True(await IsDroppedAfterAsync(address.Port, raw => raw.WriteAsync(RandomNumberGenerator.GetBytes(4096))), "garbage bytes are refused");
        Assert.True(await IsDroppedAfterAsync(address.Port, raw => raw.WriteAsync("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray())), "plaintext HTTP/2 gets nothing");
        Assert.True(await IsDroppedAfterAsync(address.Port, raw =>
        {
            // The old protocol's first frame: a 4-byte length, then a WorkerHello.
            var hello = new WorkerHello { ProtocolVersion = 1, Nonce = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(32)) }.ToByteArray();
            return raw.WriteAsync((byte[])[.. BitConverter.GetBytes(hello.Length), .. hello]);
        }), "the raw protocol of old gets nothing");

        Assert.Equal(Enumerable.Range(1, 5_000), await cluster.Gather(futures));
        Assert.Equal(2, cluster.Workers.Count);
    }

    [Fact]
    public async Task A_worker_refuses_a_coordinator_that_does_not_know_the_secret()
    {
        var directory = Directory.CreateTempSubdirectory("jobqueue-fake-");
        try
        {
            // A real coordinator of another cluster: the worker's secret file names its certificate, not its secret.
            await using var other = StandaloneCoordinator.Start(new CoordinatorSettings("127.0.0.1", [0], null, null, Path.Combine(directory.FullName, "other.secret")));
            var keys = ClusterSecret.Read(other.SecretPath);
            using var worker = StartWorker(other.Address, WorkerHostProcess.SecretFile(directory.FullName, RandomNumberGenerator.GetBytes(32), keys.CertificateSha256));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));

            await worker.WaitForExitAsync(timeout.Token);
            Assert.Equal((int)WorkerExit.UntrustedCoordinator, worker.ExitCode);
            Assert.Empty(other.Workers);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_worker_sends_nothing_but_its_TLS_hello_to_a_server_with_another_certificate()
    {
        var directory = Directory.CreateTempSubdirectory("jobqueue-fake-");
        var fake = new TcpListener(IPAddress.Loopback, 0);
        fake.Start();
        try
        {
            using var pinned = ClusterCertificate.Create();
            using var presented = ClusterCertificate.Create();
            using var worker = StartWorker($"tcp://127.0.0.1:{((IPEndPoint)fake.LocalEndpoint).Port}",
                WorkerHostProcess.SecretFile(directory.FullName, RandomNumberGenerator.GetBytes(32), pinned.Sha256));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            using var connection = await fake.AcceptTcpClientAsync(timeout.Token);
            await using var tls = new SslStream(connection.GetStream());

            // TLS 1.3 may let the server finish its side before the worker has judged the certificate: what counts
            // is that not one byte of the worker's protocol (HTTP/2's preface first) comes through.
            var received = 0;
            try
            {
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificate = presented.Certificate, ApplicationProtocols = [SslApplicationProtocol.Http2],
                }, timeout.Token);
                received = await tls.ReadAsync(new byte[1], timeout.Token);
            }
            catch (Exception exception) when (exception is AuthenticationException or IOException)
            {
                // The worker's alert: it refused the certificate.
            }

            await worker.WaitForExitAsync(timeout.Token);

            Assert.Equal(0, received);
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
            Assert.DoesNotContain(secret.Split('\n')[0], cluster.JobScript());
        }

        Assert.False(File.Exists(secretFile));
    }

    private static System.Diagnostics.Process StartWorker(string address, string secretFile) =>
        WorkerHostProcess.Start(new WorkerCommandLine
        {
            Scheduler = address, Name = "gullible", Threads = 1,
            MemoryLimit = new JobQueue.JobScripts.MemorySize(1 << 30), DeathTimeout = TimeSpan.FromSeconds(30),
            SecretFile = secretFile,
        }.ToArguments());

    /// <summary>Whether the coordinator answers <paramref name="speak"/> with nothing it would say to a worker, then hangs up.</summary>
    private static async Task<bool> IsDroppedAfterAsync(int port, Func<NetworkStream, ValueTask> speak)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var network = client.GetStream();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var answer = new MemoryStream();
        try
        {
            await speak(network);
            var buffer = new byte[1024];
            int read;
            while ((read = await network.ReadAsync(buffer, timeout.Token)) > 0)
            {
                answer.Write(buffer, 0, read);
            }
        }
        catch (IOException)
        {
            // reset by the coordinator
        }

        // A TLS alert at most: no HTTP/2 frame, no protobuf message.
        var text = Encoding.ASCII.GetString(answer.ToArray());
        return answer.Length < 64 && !text.Contains("HTTP", StringComparison.Ordinal);
    }
}
