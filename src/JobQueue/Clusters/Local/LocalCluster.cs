using System.Diagnostics;
using JobQueue.Coordination;
using JobQueue.Execution;
using JobQueue.JobScripts;
using Microsoft.Extensions.Logging;

namespace JobQueue;

/// <summary>
/// Worker processes on this machine: the embedded default, and the way to try code before a batch system. Like
/// dask's nanny, it restarts a worker that dies; its workers exit when this process does.
/// </summary>
public sealed class LocalCluster : Cluster
{
    private static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(5);

    private readonly Lock _processesLock = new();
    private readonly Dictionary<string, Process> _processes = [];
    private bool _stopping;

    /// <summary>Validates <paramref name="options"/>; the coordinator and the workers start on first use.</summary>
    /// <exception cref="ArgumentException">An option is out of range; the message names it and shows an accepted value.</exception>
    public LocalCluster(LocalOptions? options = null)
        : this(options ?? new LocalOptions(), Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6)))
    {
    }

    private LocalCluster(LocalOptions options, string id)
        : base(
            OptionChecks.ClusterName(options.Name, nameof(LocalOptions)), options, nameof(LocalOptions), "127.0.0.1",
            Path.Combine(JobDefinition.HomeDirectory, ".jobqueue", "secrets", $"{id}.secret"))
    {
        WorkerCount = OptionChecks.Positive(options.Workers, nameof(LocalOptions), nameof(LocalOptions.Workers), "Workers = 2")
            ?? Environment.ProcessorCount;
        ThreadsPerWorker = OptionChecks.Positive(options.ThreadsPerWorker, nameof(LocalOptions), nameof(LocalOptions.ThreadsPerWorker), "ThreadsPerWorker = 1")
            ?? 1;
        MemoryLimit = options.MemoryLimit is null
            ? new MemorySize(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / WorkerCount)
            : MemorySize.Parse(options.MemoryLimit, $"{nameof(LocalOptions)}.{nameof(LocalOptions.MemoryLimit)}");
        LocalDirectory = options.LocalDirectory;
    }

    /// <summary>How many worker processes this cluster runs.</summary>
    public int WorkerCount { get; }

    /// <summary>How many tasks each worker runs at once.</summary>
    public int ThreadsPerWorker { get; }

    internal MemorySize MemoryLimit { get; }

    internal string? LocalDirectory { get; }

    /// <summary>The WorkerHost the workers run; tests point it at a copy that has never seen their code.</summary>
    internal string WorkerEntryAssembly { get; init; } = WorkerHostLocation.EntryAssembly;

    /// <summary>Process ids of the running worker processes.</summary>
    public IReadOnlyList<int> WorkerProcessIds
    {
        get
        {
            lock (_processesLock)
            {
                return _processes.Values.Select(process => process.Id).ToArray();
            }
        }
    }

    /// <summary>One line: <c>LocalCluster(analysis, tcp://127.0.0.1:40123): 2 of 2 workers, 2 threads, 16 GB</c>.</summary>
    public override string ToString()
    {
        var workers = Workers;
        return string.Create(
            System.Globalization.CultureInfo.InvariantCulture,
            $"LocalCluster({Name}, {Address ?? "not started"}): {workers.Count} of {WorkerCount} workers, {workers.Sum(worker => worker.Threads)} threads, {workers.Sum(worker => worker.MemoryLimit) / 1e9:0.#} GB");
    }

    private protected override void OnCoordinatorStarted(Coordinator coordinator)
    {
        WorkerHostLocation.EnsureExists();
        for (var index = 0; index < WorkerCount; index++)
        {
            StartWorker(coordinator, $"{Name}-{index}");
        }
    }

    private protected override async Task StopWorkersAsync(Coordinator coordinator)
    {
        Process[] processes;
        lock (_processesLock)
        {
            _stopping = true;
            processes = [.. _processes.Values];
        }

        coordinator.ShutDownWorkers("the cluster was disposed");
        using var grace = new CancellationTokenSource(ShutdownGrace);
        foreach (var process in processes)
        {
            try
            {
                await process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }

            process.Dispose();
        }
    }

    private void StartWorker(Coordinator coordinator, string name)
    {
        var commandLine = new WorkerCommandLine
        {
            Scheduler = coordinator.Address,
            Name = name,
            Threads = ThreadsPerWorker,
            MemoryLimit = MemoryLimit,
            DeathTimeout = TimeSpan.FromSeconds(60),
            LocalDirectory = LocalDirectory,
            SecretFile = coordinator.SecretPath,
            ParentProcessId = Environment.ProcessId,
            LogLevel = "Warning",
        };
        var startInfo = new ProcessStartInfo(WorkerHostLocation.Dotnet) { UseShellExecute = false };
        startInfo.ArgumentList.Add(WorkerEntryAssembly);
        foreach (var argument in commandLine.ToArguments())
        {
            startInfo.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        process.Exited += (_, _) => Restart(coordinator, name, process);
        lock (_processesLock)
        {
            if (_stopping)
            {
                return;
            }

            process.Start();
            _processes[name] = process;
        }
    }

    private void Restart(Coordinator coordinator, string name, Process exited)
    {
        lock (_processesLock)
        {
            if (_stopping || !_processes.Remove(name, out var current) || current != exited)
            {
                return;
            }
        }

        Logger.LogWarning("Worker {Worker} (process {Pid}) exited with code {ExitCode}; starting it again", name, exited.Id, exited.ExitCode);
        exited.Dispose();
        StartWorker(coordinator, name);
    }
}
