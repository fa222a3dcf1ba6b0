using System.Diagnostics;
using JobQueue.Coordination;
using JobQueue.JobScripts;
using Microsoft.Extensions.Logging;
using JobQueue.Protocol;
using JobQueue.Submission;
using JobQueue.Options;
using JobQueue.Worker;

namespace JobQueue;

/// <summary>
/// Worker processes on this machine: the embedded default, and the way to try code before a batch system. Like
/// dask's nanny, it restarts a worker that dies, with a growing delay while they keep dying (<see cref="WorkerRestarts"/>);
/// when they die before connecting, waiting for workers, Map and Gather fail with <see cref="WorkersDidNotStartException"/>.
/// Its workers exit when this process does.
/// </summary>
public sealed class LocalCluster : Cluster
{
    private static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(5);

    private readonly Lock _processesLock = new();
    private readonly Dictionary<string, Process> _processes = [];
    private readonly HashSet<string> _connected = [];
    private readonly Dictionary<string, StandardErrorTail> _errors = [];
    private readonly CancellationTokenSource _restartsStopping = new();
    private readonly WorkerRestarts _restarts = new();
    private TaskCompletionSource _workersCannotStart = new(TaskCreationOptions.RunContinuationsAsynchronously);
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
            Path.Combine(HomePath.Local, ".jobqueue", "secrets", $"{id}.secret"))
    {
        WorkerCount = OptionChecks.Positive(options.Workers, nameof(LocalOptions), nameof(LocalOptions.Workers), "Workers = 2")
            ?? Environment.ProcessorCount;
        ThreadsPerWorker = OptionChecks.Positive(options.ThreadsPerWorker, nameof(LocalOptions), nameof(LocalOptions.ThreadsPerWorker), "ThreadsPerWorker = 1")
            ?? 1;
        MemoryLimit = options.MemoryLimit is null
            ? new MemorySize(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / WorkerCount)
            : MemorySize.Parse(options.MemoryLimit, $"{nameof(LocalOptions)}.{nameof(LocalOptions.MemoryLimit)}");
        MemoryFractions = MemoryFractions.From(options, nameof(LocalOptions));
        LocalDirectory = options.LocalDirectory;
        WorkerResources = ResourceAmounts.Check(options.WorkerResources, $"{nameof(LocalOptions)}.{nameof(LocalOptions.WorkerResources)}") ?? WorkerCommandLine.NoResources;
    }

    /// <summary>How many worker processes this cluster runs.</summary>
    public int WorkerCount { get; }

    /// <summary>How many tasks each worker runs at once.</summary>
    public int ThreadsPerWorker { get; }

    internal MemorySize MemoryLimit { get; }

    internal MemoryFractions MemoryFractions { get; }

    internal string? LocalDirectory { get; }

    internal IReadOnlyDictionary<string, double> WorkerResources { get; }

    /// <summary>The WorkerHost the workers run; tests point it at a copy that has never seen their code.</summary>
    internal string WorkerEntryAssembly { get; init; } = WorkerHostLocation.EntryAssembly;

    /// <summary>Worker processes started so far, restarts included.</summary>
    internal int WorkerStarts => _restarts.Starts;

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
            $"LocalCluster({Name}, {Address ?? "not started"}): {workers.Count} of {WorkerCount} workers, {workers.Sum(worker => worker.Threads)} threads, {workers.Sum(worker => worker.MemoryLimit) / 1e9:0.#} GB{UnrunnableNote}");
    }

    private protected override Task WorkersCannotStart
    {
        get
        {
            lock (_processesLock)
            {
                return _workersCannotStart.Task;
            }
        }
    }

    private protected override void OnCoordinatorStarted(Coordinator coordinator)
    {
        WorkerHostLocation.EnsureExists();
        for (var index = 0; index < WorkerCount; index++)
        {
            StartWorker(coordinator, $"{Name}-{index}");
        }
    }

    private protected override void OnWorkerChanged(Coordinator coordinator, WorkerInfo worker, bool connected)
    {
        if (connected)
        {
            WorkerConnected(coordinator, worker.Name);
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

        await _restartsStopping.CancelAsync().ConfigureAwait(false);

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
            MemoryFractions = MemoryFractions,
            DeathTimeout = TimeSpan.FromSeconds(60),
            LocalDirectory = LocalDirectory,
            Resources = WorkerResources,
            SecretFile = coordinator.SecretPath,
            ParentProcessId = Environment.ProcessId,
            Nanny = false, // this cluster is its workers' nanny
            LogLevel = "Warning",
        };
        var startInfo = new ProcessStartInfo(WorkerHostLocation.Dotnet) { UseShellExecute = false, RedirectStandardError = true };
        startInfo.ArgumentList.Add(WorkerEntryAssembly);
        foreach (var argument in commandLine.ToArguments())
        {
            startInfo.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var errors = new StandardErrorTail();
        process.ErrorDataReceived += (_, line) =>
        {
            if (line.Data is not null)
            {
                errors.Add(line.Data);
            }
        };
        var started = DateTimeOffset.Now;
        process.Exited += (_, _) => _ = RestartAsync(coordinator, name, process, started, errors);
        lock (_processesLock)
        {
            if (_stopping)
            {
                return;
            }

            _connected.Remove(name);
            _errors[name] = errors;
            process.Start();
            process.BeginErrorReadLine();
            _processes[name] = process;
            _restarts.Started();
        }
    }

    private void WorkerConnected(Coordinator coordinator, string name)
    {
        StandardErrorTail? errors;
        lock (_processesLock)
        {
            _connected.Add(name);
            errors = _errors.GetValueOrDefault(name);
            if (_workersCannotStart.Task.IsCompleted)
            {
                _workersCannotStart = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        errors?.PassOn();
        _restarts.Connected();
        coordinator.WorkersCannotStart(null);
    }

    private async Task RestartAsync(Coordinator coordinator, string name, Process exited, DateTimeOffset started, StandardErrorTail errors)
    {
        bool connected;
        lock (_processesLock)
        {
            if (_stopping || !_processes.Remove(name, out var current) || current != exited)
            {
                return;
            }

            connected = _connected.Remove(name);
        }

        // The exit event may come before the last lines of standard error: wait for them (EOF of the redirected stream).
        exited.WaitForExit();
        var (exitCode, ended) = (exited.ExitCode, DateTimeOffset.Now);
        var uptime = ended - started;
        var worker = new JobInfo($"{name} (process {exited.Id})", JobState.Failed, [], started, started, ended, exitCode, null);
        exited.Dispose();
        var (delay, _) = _restarts.Exited(uptime);
        var startFailures = _restarts.CountStartFailure(connected);
        var tail = errors.ToString();
        if (_restarts.IsNewFailure(exitCode, tail))
        {
            Logger.LogWarning(
                "Worker {Worker} exited with code {ExitCode} after {Seconds:0.#} s{Connected}; restarting it (this failure is logged once). The end of its standard error:\n{Tail}",
                worker.Id, exitCode, uptime.TotalSeconds, connected ? "" : " before connecting", tail);
        }

        if (startFailures >= WorkerRestarts.StartFailuresToGiveUp)
        {
            var failure = new WorkersDidNotStartException(worker, startFailures, tail);
            lock (_processesLock)
            {
                _workersCannotStart.TrySetException(failure);
            }

            coordinator.WorkersCannotStart(failure);
        }

        try
        {
            await Task.Delay(delay, _restartsStopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        StartWorker(coordinator, name);
    }
}
