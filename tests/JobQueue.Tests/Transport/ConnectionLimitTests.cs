using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using JobQueue.Tests.Coordination;

namespace JobQueue.Tests.Transport;

/// <summary>Connections that never authenticate cost the client neither its life, nor its map, nor its workers.</summary>
public sealed class ConnectionLimitTests
{
    [Fact]
    public async Task Under_256_open_files_a_thousand_idle_connections_stop_neither_a_map_nor_a_replacement_worker()
    {
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var client = ClientProcess.StartWithFileLimit(256, errors.Enqueue, "crowded");
        var idle = new List<TcpClient>();
        try
        {
            var port = int.Parse(await ReadLineAsync(client), CultureInfo.InvariantCulture);
            var workers = Pids(await ReadLineAsync(client));
            Assert.Equal(2, workers.Length);

            for (var i = 0; i < 1_000; i++)
            {
                var connection = new TcpClient();
                idle.Add(connection);
                await connection.ConnectAsync(IPAddress.Loopback, port);
            }

            await client.StandardInput.WriteLineAsync("map");
            Assert.Equal($"mapped {Enumerable.Range(0, 2_000).Sum(x => x * 2)}", await ReadLineAsync(client, line => line.StartsWith("mapped", StringComparison.Ordinal)));

            using (var kill = Process.Start("kill", ["-KILL", workers[0].ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            var replaced = await ReadLineAsync(client, line => line.StartsWith("workers", StringComparison.Ordinal) && Pids(line) is { Length: 2 } now && !now.Contains(workers[0]), TimeSpan.FromSeconds(5));
            Assert.Contains(workers[1], Pids(replaced));

            await client.StandardInput.WriteLineAsync("map");
            Assert.Equal($"mapped {Enumerable.Range(0, 2_000).Sum(x => x * 2)}", await ReadLineAsync(client, line => line.StartsWith("mapped", StringComparison.Ordinal)));
            Assert.False(client.HasExited);
        }
        catch (Exception exception) when (exception is not Xunit.Sdk.XunitException)
        {
            Assert.Fail($"{exception.Message}; the client's standard error:\n{string.Join('\n', errors.TakeLast(30))}");
        }
        finally
        {
            idle.ForEach(connection => connection.Dispose());
            client.Kill(entireProcessTree: true);
        }
    }

    /// <summary>
    /// A burst of workers starting together finds room in the kernel's queue of connections waiting to be accepted.
    /// One that finds none has its SYN dropped and waits a second for TCP to try again: with Kestrel's default of
    /// 512, 29 of 1,000 simulated workers registering at once did.
    /// </summary>
    [Fact]
    public async Task The_listen_queue_holds_a_burst_of_a_thousand_workers()
    {
        var directory = Directory.CreateTempSubdirectory("jobqueue-backlog-");
        try
        {
            await using var coordinator = StandaloneCoordinator.Start(new JobQueue.Coordination.CoordinatorSettings("127.0.0.1", [0], null, null, Path.Combine(directory.FullName, "cluster.secret")));
            var port = new Uri(coordinator.Address).Port;
            var kernelCap = int.Parse(File.ReadAllText("/proc/sys/net/core/somaxconn").Trim(), CultureInfo.InvariantCulture);

            using var ss = Process.Start(new ProcessStartInfo("ss", ["-Hltn", $"sport = :{port}"]) { RedirectStandardOutput = true, UseShellExecute = false })!;
            var listening = await ss.StandardOutput.ReadToEndAsync();
            await ss.WaitForExitAsync();

            // "LISTEN 0 4096 127.0.0.1:41235 0.0.0.0:*": for a listening socket, the third column is its queue's length.
            var fields = listening.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(fields is ["LISTEN", _, _, ..], $"ss found no listening socket on port {port}: '{listening}'");
            Assert.Equal(Math.Min(4096, kernelCap), int.Parse(fields[2], CultureInfo.InvariantCulture));
            Assert.True(kernelCap < 1_000 || int.Parse(fields[2], CultureInfo.InvariantCulture) >= 1_000);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static int[] Pids(string line) =>
        [.. line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(line.StartsWith("workers", StringComparison.Ordinal) ? 1 : 0).Select(pid => int.Parse(pid, CultureInfo.InvariantCulture))];

    private static Task<string> ReadLineAsync(Process process) => ReadLineAsync(process, _ => true);

    /// <summary>The first line that <paramref name="wanted"/> accepts, within <paramref name="deadline"/> (a minute when not given).</summary>
    private static async Task<string> ReadLineAsync(Process process, Func<string, bool> wanted, TimeSpan? deadline = null)
    {
        using var timeout = new CancellationTokenSource(deadline ?? TimeSpan.FromMinutes(1));
        while (true)
        {
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token)
                ?? throw new InvalidOperationException($"The client process ended (exit code {(process.HasExited ? process.ExitCode : -1)}).");
            if (wanted(line))
            {
                return line;
            }
        }
    }
}
