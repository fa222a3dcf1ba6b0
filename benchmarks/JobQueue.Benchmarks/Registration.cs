using System.Diagnostics;
using System.Globalization;
using JobQueue.Coordination;
using JobQueue.Protocol;
using JobQueue.Worker;
using Microsoft.Extensions.Logging.Abstractions;

namespace JobQueue.Benchmarks;

/// <summary>
/// 1,000 simulated workers registering at once, each with its own TLS connection and proofs, as a real worker does.
/// First with both ends in this process, as the dask script runs it; then with the workers in a second process, which
/// separates the coordinator's CPU per registration, the part that stays on the login node when the workers are on
/// other nodes.
/// </summary>
internal static class Registration
{
    /// <summary>The hidden command line of the second process: <c>--simulated-workers ADDRESS SECRET-FILE COUNT</c>.</summary>
    public const string ChildFlag = "--simulated-workers";

    private const int Wanted = 1000;
    private const int WarmUp = 20; // so that the handshake code is compiled on both ends, as dask warms up with one real worker
    private const int Spare = 100; // descriptors for everything else a process has open
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    public static readonly Scenario Scenario = new("registration", ["registration", "registration_coordinator_cpu"], ["s", "ms"], RunAsync);

    private static async Task<Figure[]> RunAsync(bool quick)
    {
        // Both ends in one process: two descriptors per connection.
        var limit = FileLimit.RaiseTo((2 * Wanted) + Spare);
        var n = (int)Math.Min(Wanted, limit > Spare ? (limit - Spare) / 2 : 0);
        Scenarios.Check(n > 0, $"the open-file limit of {limit} leaves no room for connections");
        var limitNote = n < Wanted ? $"; the open-file limit of {limit} lets only {n} connections fit" : "";

        await InProcessAsync(WarmUp);
        var overflowsBefore = ListenOverflows.Count();
        var (elapsed, heapPerConnection) = await InProcessAsync(n);
        var overflowNote = ListenOverflows.Count() - overflowsBefore is { } overflows ? $"; {overflows} turned away by a full listen queue (each waits 1 s to retry)" : "";
        return
        [
            new("registration", elapsed.TotalSeconds, "s", n,
                $"{heapPerConnection / 1024:F0} KiB of managed heap per connection, both ends counted{overflowNote}{limitNote}"),
            await SecondProcessAsync(n),
        ];
    }

    /// <summary>Opens <paramref name="n"/> connections to a fresh coordinator at once from this process.</summary>
    private static async Task<(TimeSpan Elapsed, double HeapPerConnection)> InProcessAsync(int n)
    {
        var directory = Directory.CreateTempSubdirectory("jobqueue-bench-");
        var coordinator = StartCoordinator(directory);
        var connections = new CoordinatorConnection?[n];
        try
        {
            var keys = ClusterSecret.Read(coordinator.SecretPath);
            var address = new Uri(coordinator.Address);
            using var deadline = new CancellationTokenSource(Limit);
            var heapBefore = GC.GetTotalMemory(forceFullCollection: true);

            var start = Stopwatch.GetTimestamp();
            var registering = Task.WhenAll(Enumerable.Range(0, n).Select(async i => connections[i] = await RegisterAsync(address, keys, i, deadline.Token)));
            var registered = coordinator.WaitForWorkersAsync(n, deadline.Token);
            if (await Task.WhenAny(registered, registering) == registering && registering.IsFaulted)
            {
                await registering; // a simulated worker failed: its error says more than a timeout would
            }

            await WaitForAsync(coordinator, n, registered);
            var elapsed = Stopwatch.GetElapsedTime(start);
            await registering;
            Scenarios.Check(coordinator.Workers.Count == n, $"the coordinator lists {coordinator.Workers.Count} workers, not {n}");
            return (elapsed, (double)(GC.GetTotalMemory(forceFullCollection: true) - heapBefore) / n);
        }
        finally
        {
            // The coordinator first, so that it takes the closing connections for its own shutdown, not for lost workers.
            await coordinator.DisposeAsync();
            foreach (var connection in connections)
            {
                if (connection is not null)
                {
                    await connection.DisposeAsync();
                }
            }

            directory.Delete(recursive: true);
        }
    }

    /// <summary>
    /// The same burst from a second process (this program with <see cref="ChildFlag"/>): the coordinator's CPU per
    /// registration is this process's CPU over the burst. Both processes still share this machine's cores.
    /// </summary>
    private static async Task<Figure> SecondProcessAsync(int n)
    {
        FileLimit.RaiseTo((ulong)(n + WarmUp + Spare));
        var directory = Directory.CreateTempSubdirectory("jobqueue-bench-");
        var coordinator = StartCoordinator(directory);
        var startInfo = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in (string[])[ChildFlag, coordinator.Address, coordinator.SecretPath, n.ToString(CultureInfo.InvariantCulture)])
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var workers = Process.Start(startInfo)!;
        try
        {
            using var deadline = new CancellationTokenSource(Limit);
            // The second process warms up with its own connections, then waits for "go".
            Scenarios.Check(await workers.StandardOutput.ReadLineAsync(deadline.Token) == "warm", "the simulated workers' process did not warm up");
            await WaitForAsync(coordinator, WarmUp, coordinator.WaitForWorkersAsync(WarmUp, deadline.Token));

            var cpuBefore = Environment.CpuUsage.TotalTime;
            var pausedBefore = GC.GetTotalPauseDuration();
            var start = Stopwatch.GetTimestamp();
            await workers.StandardInput.WriteLineAsync("go");
            await workers.StandardInput.FlushAsync(deadline.Token);
            await WaitForAsync(coordinator, WarmUp + n, coordinator.WaitForWorkersAsync(WarmUp + n, deadline.Token));
            var elapsed = Stopwatch.GetElapsedTime(start);
            var cpu = Environment.CpuUsage.TotalTime - cpuBefore;
            var paused = GC.GetTotalPauseDuration() - pausedBefore;

            var workersCpu = await workers.StandardOutput.ReadLineAsync(deadline.Token);
            Scenarios.Check(double.TryParse(workersCpu, CultureInfo.InvariantCulture, out var workersMs), $"the simulated workers' process said '{workersCpu}', not its CPU time");
            return new("registration_coordinator_cpu", cpu.TotalMilliseconds / n, "ms", n,
                $"with the simulated workers in a second process: {n:N0} registered in {elapsed.TotalSeconds:F2} s; "
                + $"the coordinator's process used {cpu.TotalMilliseconds:F0} ms of CPU ({paused.TotalMilliseconds:F0} ms paused for GC), "
                + $"the workers' {workersMs:F0} ms ({workersMs / n:F2} ms each)");
        }
        finally
        {
            await coordinator.DisposeAsync();
            workers.StandardInput.Close(); // the second process closes its connections and exits
            await workers.WaitForExitAsync();
            directory.Delete(recursive: true);
        }
    }

    /// <summary>The second process: warms up, waits for "go", registers <paramref name="n"/> workers at once, prints its CPU time.</summary>
    public static async Task<int> RunSimulatedWorkersAsync(string address, string secretFile, int n)
    {
        FileLimit.RaiseTo((ulong)(n + WarmUp + Spare));
        var keys = ClusterSecret.Read(secretFile);
        var coordinator = new Uri(address);
        using var deadline = new CancellationTokenSource(Limit);
        var warm = await Task.WhenAll(Enumerable.Range(n, WarmUp).Select(i => RegisterAsync(coordinator, keys, i, deadline.Token)));
        Console.WriteLine("warm");
        if (await Console.In.ReadLineAsync(deadline.Token) != "go")
        {
            return 1;
        }

        var cpuBefore = Environment.CpuUsage.TotalTime;
        var connections = await Task.WhenAll(Enumerable.Range(0, n).Select(i => RegisterAsync(coordinator, keys, i, deadline.Token)));
        Console.WriteLine((Environment.CpuUsage.TotalTime - cpuBefore).TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture));
        await Console.In.ReadToEndAsync(CancellationToken.None); // until the coordinator's side is done
        foreach (var connection in warm.Concat(connections))
        {
            await connection.DisposeAsync();
        }

        return 0;
    }

    private static Coordinator StartCoordinator(DirectoryInfo directory) => Coordinator.Start(
        new CoordinatorSettings("127.0.0.1", [0], null, null, Path.Combine(directory.FullName, "cluster.secret")), new FutureCompletion((_, _) => { }), NullLogger.Instance);

    /// <summary>What a worker does to register: a connection of its own, TLS with the pinned certificate, the proofs, then Register.</summary>
    private static async Task<CoordinatorConnection> RegisterAsync(Uri coordinator, ClusterKeys keys, int i, CancellationToken cancellationToken)
    {
        var connection = await CoordinatorConnection.OpenAsync(coordinator, keys, Limit, from: null, cancellationToken);
        try
        {
            await connection.Output.WriteAsync(
                new FromWorker { Register = new Register { Name = $"sim-{i}", Host = "127.0.0.1", Threads = 1, MemoryLimit = 1 << 30, ProcessId = i } },
                cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private static async Task WaitForAsync(Coordinator coordinator, int n, Task registered)
    {
        try
        {
            await registered;
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"only {coordinator.Workers.Count} of {n} simulated workers registered within {Limit.TotalSeconds} s");
        }
    }
}
