using System.Globalization;
using JobQueue.Coordination;
using JobQueue.JobScripts;
using JobQueue.Options;
using JobQueue.Submission;
using JobQueue.Worker;
using Microsoft.Extensions.Logging;

namespace JobQueue;

/// <summary>
/// Worker processes started over SSH on a list of hosts, without a batch system (dask's <c>SSHCluster</c>). When the
/// coordinator starts, each host gets the WorkerHost (copied once by content hash) and <see cref="SshClusterOptions.WorkersPerHost"/>
/// workers, one SSH session each. This process is their nanny: a worker that dies (other than by leaving: exit codes
/// 0, 3 and 4) is started again, with the same growing delay as a <see cref="LocalCluster"/>'s. Disposing stops them
/// all; if this process dies instead, they exit by their <see cref="SshClusterOptions.DeathTimeout"/>.
/// </summary>
public sealed class SshCluster : Cluster
{
    private static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(5);
    private static readonly int[] LeavingExitCodes = [0, 3, 4];
    private const int StandardErrorLinesLogged = 20;

    private readonly SshClusterSettings _settings;
    private readonly Dictionary<string, SshHost> _hosts;
    private readonly Lock _gate = new();
    private readonly Dictionary<int, Task> _slots = [];
    private readonly HashSet<string> _connected = [];
    private readonly WorkerRestarts _restarts = new();
    private readonly CancellationTokenSource _stopping = new();
    private TaskCompletionSource _workersCannotStart = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Coordinator? _coordinator;
    private int _target;

    /// <summary>Validates <paramref name="options"/>; nothing connects until the coordinator starts (on first use or <see cref="Cluster.StartAsync"/>).</summary>
    /// <exception cref="ArgumentException">An option is missing or invalid; the message names it and shows an accepted value.</exception>
    public SshCluster(SshClusterOptions options)
        : this(SshClusterSettings.Resolve(options), options, Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6)))
    {
    }

    private SshCluster(SshClusterSettings settings, SshClusterOptions options, string id)
        : base(
            OptionChecks.ClusterName(options.Name, nameof(SshClusterOptions)), options, nameof(SshClusterOptions), settings.AllLoopback ? "127.0.0.1" : "0.0.0.0",
            Path.Combine(HomePath.Local, ".jobqueue", "secrets", $"{id}.secret"))
    {
        _settings = settings;
        _target = settings.Capacity;
        _hosts = settings.Hosts.Distinct(StringComparer.Ordinal).ToDictionary(host => host, host => new SshHost(host, settings, Logger), StringComparer.Ordinal);
    }

    /// <summary>How many workers the hosts hold: hosts × <see cref="SshClusterOptions.WorkersPerHost"/>, the most <see cref="Scale"/> takes.</summary>
    public int Capacity => _settings.Capacity;

    /// <summary>How many workers the cluster keeps running: <see cref="Capacity"/> until <see cref="Scale"/> says otherwise.</summary>
    public int TargetWorkers
    {
        get
        {
            lock (_gate)
            {
                return _target;
            }
        }
    }

    /// <summary>
    /// Sets how many workers run, and returns at once: workers start or leave in the background, spread over the hosts
    /// in turn. Workers that leave finish their running tasks and hand back the others first.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="workers"/> is negative or more than <see cref="Capacity"/>.</exception>
    public void Scale(int workers)
    {
        if (workers < 0 || workers > Capacity)
        {
            throw new ArgumentOutOfRangeException(
                nameof(workers), workers,
                $"Scale({workers}) is outside what the hosts hold: 0 to {Capacity} workers ({_settings.Hosts.Count} hosts × WorkersPerHost {_settings.WorkersPerHost}); add hosts to {nameof(SshClusterOptions)}.Hosts or raise {nameof(SshClusterOptions)}.WorkersPerHost.");
        }

        lock (_gate)
        {
            _target = workers;
        }

        if (Volatile.Read(ref _coordinator) is { } coordinator)
        {
            Reconcile(coordinator);
        }
    }

    /// <summary>One line: <c>SshCluster(analysis, tcp://10.1.2.3:40123 from this machine's first network address): 4 of 4 workers on 2 hosts, 16 threads, 32 GB</c>.</summary>
    public override string ToString()
    {
        var workers = Workers;
        return string.Create(
            CultureInfo.InvariantCulture,
            $"SshCluster({Name}, {(Address is { } address ? $"{address} {AddressReason}" : "not started")}): {workers.Count} of {TargetWorkers} workers on {_settings.Hosts.Count} hosts, {workers.Sum(worker => worker.Threads)} threads, {workers.Sum(worker => worker.MemoryLimit) / 1e9:0.#} GB{UnrunnableNote}");
    }

    private protected override Task WorkersCannotStart
    {
        get
        {
            lock (_gate)
            {
                return _workersCannotStart.Task;
            }
        }
    }

    private protected override void OnCoordinatorStarted(Coordinator coordinator)
    {
        WorkerHostLocation.EnsureExists();
        Volatile.Write(ref _coordinator, coordinator);
        Reconcile(coordinator);
    }

    private protected override void OnWorkerChanged(Coordinator coordinator, WorkerInfo worker, bool connected)
    {
        if (!connected)
        {
            return;
        }

        bool wanted;
        lock (_gate)
        {
            _connected.Add(worker.Name);
            wanted = IsWanted(SlotOf(worker.Name));
            if (_workersCannotStart.Task.IsCompleted)
            {
                _workersCannotStart = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        _restarts.Connected();
        coordinator.WorkersCannotStart(null);
        if (!wanted)
        {
            // Scaled down while it was starting.
            coordinator.DrainWorkers([worker.JobId]);
        }
    }

    private protected override async Task StopWorkersAsync(Coordinator coordinator)
    {
        Task[] running;
        lock (_gate)
        {
            _target = 0;
            running = [.. _slots.Values];
        }

        coordinator.ShutDownWorkers("the cluster was disposed");
        await Task.WhenAny(Task.WhenAll(running), Task.Delay(ShutdownGrace)).ConfigureAwait(false);
        int[] leftover;
        lock (_gate)
        {
            leftover = [.. _slots.Where(slot => !slot.Value.IsCompleted).Select(slot => slot.Key)];
        }

        // Closing their SSH sessions does not end remote processes: those still running are killed by name.
        await _stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(leftover.GroupBy(HostOf).Select(slots => slots.Key.StopAsync([.. slots.Select(WorkerName)], Logger))).ConfigureAwait(false);
        await Task.WhenAll(running).ConfigureAwait(false);
    }

    private protected override async ValueTask ReleaseAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var host in _hosts.Values)
        {
            await host.DisposeAsync().ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    private protected override string DescribeMissingWorkers() =>
        $"Workers run on {string.Join(", ", _hosts.Keys)} over SSH; the log of this cluster says why any exited.";

    /// <summary>Starts the wanted slots that do not run, and drains the running ones no longer wanted.</summary>
    private void Reconcile(Coordinator coordinator)
    {
        List<string> leaving;
        lock (_gate)
        {
            if (_stopping.IsCancellationRequested)
            {
                return;
            }

            for (var slot = 0; slot < _target; slot++)
            {
                if (!_slots.ContainsKey(slot))
                {
                    _slots[slot] = SuperviseAsync(coordinator, slot);
                }
            }

            leaving = [.. _slots.Keys.Where(slot => !IsWanted(slot)).Select(JobId)];
        }

        coordinator.DrainWorkers(leaving);
    }

    /// <summary>The nanny of one slot: runs its worker over SSH, and again after it died, until it leaves or is no longer wanted.</summary>
    private async Task SuperviseAsync(Coordinator coordinator, int slot)
    {
        await Task.Yield();
        var (host, name) = (HostOf(slot), WorkerName(slot));
        try
        {
            while (true)
            {
                var started = DateTimeOffset.Now;
                var (exitCode, why) = await RunOnceAsync(coordinator, host, slot).ConfigureAwait(false);
                bool connected, wanted;
                lock (_gate)
                {
                    connected = _connected.Remove(name);
                    wanted = IsWanted(slot);
                }

                if (!wanted || (exitCode is { } code && LeavingExitCodes.Contains(code)))
                {
                    Logger.LogInformation("Worker {Worker} on {Host} exited with code {ExitCode}; not started again", name, host.Name, exitCode);
                    return;
                }

                var uptime = DateTimeOffset.Now - started;
                var (delay, _) = _restarts.Exited(uptime);
                var startFailures = _restarts.CountStartFailure(connected);
                if (_restarts.IsNewFailure(exitCode ?? -1, why))
                {
                    Logger.LogWarning(
                        "Worker {Worker} on {Host} ended ({ExitCode}) after {Seconds:0.#} s{Connected}; starting it again (this failure is logged once):\n{Why}",
                        name, host.Name, exitCode is null ? "no exit code" : $"exit code {exitCode}", uptime.TotalSeconds, connected ? "" : " before connecting", why);
                }

                if (startFailures >= WorkerRestarts.StartFailuresToGiveUp)
                {
                    CannotStart(coordinator, new WorkersDidNotStartException(
                        new JobInfo($"{name} on {host.Name}", JobState.Failed, [], started, started, DateTimeOffset.Now, exitCode, null), startFailures, why));
                }

                await Task.Delay(delay, _stopping.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // The cluster is ending: StopWorkersAsync stops what still runs.
        }
        finally
        {
            lock (_gate)
            {
                _slots.Remove(slot);
                _connected.Remove(name);
            }
        }
    }

    /// <summary>Settles the host, then runs the worker until it exits: its exit code (null when the SSH session broke or it was killed) and what it said.</summary>
    private async Task<(int? ExitCode, string Why)> RunOnceAsync(Coordinator coordinator, SshHost host, int slot)
    {
        SshHostPlaces places;
        try
        {
            places = await host.PrepareAsync(coordinator.SecretPath, _stopping.Token).ConfigureAwait(false);
        }
        catch (BatchCommandException exception)
        {
            // The host cannot be reached or settled: waiting for workers fails with why, and the nanny tries again.
            CannotStart(coordinator, exception);
            return (null, exception.Message);
        }

        var commandLine = new WorkerCommandLine
        {
            Scheduler = coordinator.Address,
            Name = WorkerName(slot),
            JobId = JobId(slot),
            Threads = _settings.ThreadsPerWorker,
            MemoryLimit = _settings.MemoryLimit,
            MemoryFractions = _settings.MemoryFractions,
            DeathTimeout = _settings.DeathTimeout,
            LocalDirectory = _settings.LocalDirectory,
            SecretFile = places.SecretFile,
            Nanny = false, // this cluster is its workers' nanny: it also restarts a worker whose SSH session broke
            LogLevel = "Warning",
        };
        try
        {
            var result = await host.RunWorkerAsync(places, commandLine.ToArguments(), _stopping.Token).ConfigureAwait(false);
            var tail = string.Join('\n', result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(StandardErrorLinesLogged));
            return (result.ExitCode >= 0 ? result.ExitCode : null, tail.Length > 0 ? tail : "(it wrote nothing to standard error)");
        }
        catch (BatchCommandException exception)
        {
            // The session broke, or (OpenSSH's exit code 255) the worker was killed: a death like any other, restarted.
            return (null, exception.Message);
        }
    }

    private void CannotStart(Coordinator coordinator, Exception failure)
    {
        lock (_gate)
        {
            _workersCannotStart.TrySetException(failure);
        }

        coordinator.WorkersCannotStart(failure);
    }

    private bool IsWanted(int slot) => slot < _target && !_stopping.IsCancellationRequested;

    // Slots go round the hosts: node1, node2, node1, node2, … so that a smaller scale still uses every host.
    private SshHost HostOf(int slot) => _hosts[_settings.Hosts[slot % _settings.Hosts.Count]];

    private string WorkerName(int slot) => $"{Name}-{slot}";

    private int SlotOf(string workerName) =>
        workerName.StartsWith($"{Name}-", StringComparison.Ordinal) && int.TryParse(workerName.AsSpan(Name.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var slot) ? slot : int.MaxValue;

    // What the coordinator drains by, and the dashboard's job column shows: the host and the slot.
    private string JobId(int slot) => $"{HostOf(slot).Name}#{slot}";
}
