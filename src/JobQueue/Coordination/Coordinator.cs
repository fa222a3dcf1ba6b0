using JobQueue.Protocol;
using Microsoft.Extensions.Logging;

namespace JobQueue.Coordination;

/// <summary>
/// The task engine embedded in the user's process: it accepts authenticated workers, queues tasks, sends each
/// worker as many as it asked for (its credit), and reschedules the tasks of workers that die. What becomes of
/// tasks and workers it tells <see cref="ICoordinatorEvents"/>. One lock guards the <see cref="Scheduler"/> and the
/// <see cref="WorkerRegistry"/>; encoding, decoding and the network stay outside it.
/// </summary>
internal sealed partial class Coordinator : IAsyncDisposable
{
    private static readonly TimeSpan RefusalLogInterval = TimeSpan.FromSeconds(10);

    private readonly CoordinatorSettings _settings;
    private readonly ICoordinatorEvents _events;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Scheduler _scheduler;
    private readonly WorkerRegistry _workers = new();
    private readonly FileServer _files = new();
    private readonly ClusterCertificate _certificate;
    private readonly ClusterSecret _secret;
    private readonly RefusalLog _refusals;
    private Exception? _workersCannotStart;
    private CoordinatorHost? _host;
    private Task _silenceWatch = Task.CompletedTask;

    private Coordinator(CoordinatorSettings settings, ClusterCertificate certificate, ClusterSecret secret, ICoordinatorEvents events, ILogger logger)
    {
        _settings = settings;
        _certificate = certificate;
        _secret = secret;
        _events = events;
        _logger = logger;
        _refusals = new RefusalLog(logger, RefusalLogInterval);
        _scheduler = new Scheduler(map => logger.LogWarning(
            "The items of map {Map} ask for resources {Resources} that no connected worker has (WorkerResources); they wait for a worker that has them",
            map.Number, Describe(map.Policy.Resources!)));
    }

    /// <summary>Resources as the worker command line writes them: <c>gpu=1,ssd=2</c>.</summary>
    public static string Describe(IReadOnlyDictionary<string, double> resources) => JobScripts.ResourceAmounts.Format(resources);

    /// <summary>What workers dial, e.g. <c>tcp://10.1.2.3:40123</c>.</summary>
    public string Address { get; private set; } = "";

    /// <summary>Why workers dial <see cref="Address"/>, e.g. <c>from Interface ib0</c>.</summary>
    public string AddressReason { get; private set; } = "";

    public string SecretPath => _secret.Path;

    /// <summary>The token the dashboard asks for, derived from the cluster secret.</summary>
    public string DashboardToken => _secret.Derive("dashboard");

    /// <summary>Bytes of shipped files (code and large captured values) sent to workers so far: a diagnostic counter.</summary>
    public long FileBytesSent => _files.BytesSent;

    /// <summary>Makes the cluster's certificate, writes the secret file, binds the port and starts serving workers there.</summary>
    /// <exception cref="InvalidOperationException">No port of <see cref="CoordinatorSettings.Ports"/> could be bound.</exception>
    /// <exception cref="ArgumentException"><see cref="CoordinatorSettings.Interface"/> does not exist here or has no address.</exception>
    /// <remarks>Synchronous because the cluster starts its coordinator on first use, from <c>Map</c> and friends.</remarks>
    public static Coordinator Start(CoordinatorSettings settings, ICoordinatorEvents events, ILogger logger)
    {
        var address = CoordinatorAddress.Choose(settings);
        var certificate = ClusterCertificate.Create();
        ClusterSecret secret;
        try
        {
            secret = ClusterSecret.Create(settings.SecretPath, certificate.Sha256, logger);
        }
        catch
        {
            certificate.Dispose();
            throw;
        }

        var coordinator = new Coordinator(settings, certificate, secret, events, logger);
        try
        {
            var service = new WorkerChannelService(coordinator.ServeAsync, secret.Keys, coordinator._refusals);
            coordinator._host = CoordinatorHost.Start(settings with { ListenAddress = address.Bind.ToString() }, certificate, service, coordinator._refusals, logger);
        }
        catch
        {
            secret.Dispose();
            certificate.Dispose();
            throw;
        }

        coordinator.Address = $"tcp://{address.ContactHost}:{settings.ContactPort ?? coordinator._host.Port}";
        coordinator.AddressReason = address.Reason;
        coordinator._silenceWatch = coordinator.WatchSilenceAsync();
        logger.LogInformation("Coordinator listening on {Bind}; workers dial {Address} ({Reason}; TLS 1.3)", address.Bind, coordinator.Address, address.Reason);
        return coordinator;
    }

    /// <summary>
    /// Blocks until the server accepts connections (until then they wait in the listen queue): <see cref="Start"/>
    /// returns once the port is bound, so that workers can be launched while the server starts.
    /// </summary>
    /// <exception cref="InvalidOperationException">The server could not start.</exception>
    public void WaitUntilServing()
    {
        try
        {
            _host!.Serving.GetAwaiter().GetResult();
        }
        catch (Exception exception)
        {
            throw new InvalidOperationException($"The coordinator's server could not start: {exception.Message}", exception);
        }
    }

    /// <summary>Gives the function an id, shared by every equal definition so workers load it once.</summary>
    public uint RegisterFunction(FunctionDefinition definition)
    {
        lock (_gate)
        {
            return _scheduler.RegisterFunction(definition);
        }
    }

    /// <summary>
    /// Numbers a new map of <paramref name="count"/> items (null for a stream, whose items are counted as they come)
    /// and reserves its task ids; <see cref="Submit"/> then queues its tasks. A null <paramref name="batchSize"/>
    /// (items per partition) is learned from the workers' measurements; an item whose encoded result is over
    /// <paramref name="maxResultSize"/> bytes fails.
    /// </summary>
    public MapState BeginMap(uint functionId, int? count, MapPolicy policy, int? batchSize, long maxResultSize = ChannelLimits.DefaultMaxResultSize)
    {
        lock (_gate)
        {
            var map = _scheduler.BeginMap(functionId, count, policy, batchSize, maxResultSize);
            map.Statistics.EstimatedPartitionSize = () =>
            {
                lock (_gate)
                {
                    return map.Sizer.Estimate;
                }
            };
            return map;
        }
    }

    /// <summary>How many of <paramref name="map"/>'s items keep the connected worker threads busy with full partitions.</summary>
    public int ItemsToKeepBusy(MapState map)
    {
        lock (_gate)
        {
            return map.Sizer.ItemsToKeepBusy(_workers.Sessions.Sum(session => (int)session.Registration.Threads));
        }
    }

    /// <summary>Queues tasks and sends them to workers with credit; while no worker can start, they are abandoned at once.</summary>
    /// <remarks>Indexed loops: a foreach over the interface would allocate an enumerator for every Submit.</remarks>
    public void Submit(IReadOnlyList<TaskRecord> tasks)
    {
        Exception? refused;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
            refused = _workers.Count == 0 ? _workersCannotStart : null;
            if (refused is null)
            {
                for (var i = 0; i < tasks.Count; i++)
                {
                    _scheduler.Enqueue(tasks[i]);
                }

                _scheduler.Dispatch(_workers.Sessions);
                return;
            }

            for (var i = 0; i < tasks.Count; i++)
            {
                tasks[i].Finished = true;
            }
        }

        for (var i = 0; i < tasks.Count; i++)
        {
            _events.TaskAbandoned(tasks[i], refused);
        }
    }

    /// <summary>
    /// Sends each task to the worker named beside it, at once (<see cref="MapPolicy.EachWorker"/>); a task whose worker
    /// has left or is leaving is reported lost with it.
    /// </summary>
    public void SubmitToWorkers(IReadOnlyList<(TaskRecord Task, string Worker)> tasks)
    {
        var lost = new List<TaskRecord>();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
            foreach (var (task, name) in tasks)
            {
                if (_workers.Sessions.FirstOrDefault(session => session.Name == name && !session.Closed && !session.Draining) is { } session)
                {
                    _scheduler.SendTo(session, task);
                }
                else
                {
                    task.Lose(name);
                    lost.Add(task);
                }
            }
        }

        foreach (var task in lost)
        {
            _events.TaskLost(task, task.LostWorkers!, cause: null);
        }
    }

    /// <summary>
    /// While no worker is connected, abandons the waiting tasks, and those submitted later, with <paramref name="failure"/>
    /// (why workers cannot start); null when workers may start again.
    /// </summary>
    public void WorkersCannotStart(Exception? failure)
    {
        List<TaskRecord> waiting;
        lock (_gate)
        {
            _workersCannotStart = failure;
            if (failure is null || _workers.Count > 0)
            {
                return;
            }

            waiting = _scheduler.TakeWaiting();
            waiting.RemoveAll(task => task.Finished);
            waiting.ForEach(task => task.Finished = true);
        }

        foreach (var task in waiting)
        {
            _events.TaskAbandoned(task, failure);
        }
    }

    /// <summary>Cancels a task not yet finished: a queued one is skipped, a worker is told to cancel one it holds. False when it had finished.</summary>
    public bool Cancel(TaskRecord task)
    {
        lock (_gate)
        {
            if (task.Finished)
            {
                return false;
            }

            task.Finished = true;
            _dependencies.Drop(task);
            if (task.Worker is { } worker)
            {
                worker.Send(new ToWorker { Cancel = new CancelTasks { Ids = { task.Id } } });
            }
            else
            {
                task.Map.CountCancelled();
            }

            return true;
        }
    }

    /// <summary>Returns once <paramref name="count"/> workers are connected.</summary>
    public async Task WaitForWorkersAsync(int count, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_workers.Count >= count)
                {
                    return;
                }

                changed = _workers.Changed;
            }

            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Tells every worker to exit.</summary>
    public void ShutDownWorkers(string reason)
    {
        lock (_gate)
        {
            foreach (var session in _workers.Sessions)
            {
                session.Dismissed = true;
                session.Send(new ToWorker { Shutdown = new Shutdown { Reason = reason } });
            }
        }
    }

    /// <summary>
    /// Retires the workers of the batch jobs <paramref name="jobIds"/> gracefully: they get no more tasks, hand back
    /// those not started (which go to other workers without counting as a failure), finish the running ones and exit.
    /// </summary>
    public void DrainWorkers(IReadOnlyCollection<string> jobIds)
    {
        lock (_gate)
        {
            foreach (var session in _workers.Sessions.Where(session => !session.Draining && jobIds.Contains(session.Registration.JobId)))
            {
                session.Draining = true;
                session.Send(new ToWorker { Drain = new Drain() });
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        _stopping.Cancel();
        List<TaskRecord> unfinished;
        lock (_gate)
        {
            foreach (var session in _workers.Sessions)
            {
                session.Abort();
            }

            unfinished = [.. _scheduler.TakeWaiting(), .. _dependencies.TakeAll(), .. _workers.Sessions.SelectMany(session => session.Assigned.Values).SelectMany(partition => partition.Tasks)];
            unfinished.RemoveAll(task => task.Finished);
            unfinished.ForEach(task => task.Finished = true);
        }

        var stopped = new ObjectDisposedException("Cluster", "The cluster was disposed before this task finished.");
        foreach (var task in unfinished)
        {
            _events.TaskAbandoned(task, stopped);
        }

        await _silenceWatch.ConfigureAwait(false);
        if (_host is not null)
        {
            await _host.DisposeAsync().ConfigureAwait(false);
        }

        _certificate.Dispose();
        _secret.Dispose();
        _stopping.Dispose();
    }

    private Task ServeAsync(WorkerSession session) => new WorkerCall(this, session, _logger).ServeAsync(_stopping.Token);

    private async Task WatchSilenceAsync()
    {
        using var timer = new PeriodicTimer(Liveness.HeartbeatInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                lock (_gate)
                {
                    _workers.BeatOrDropSilent(CoordinatorSettings.SilenceLimit, _logger);
                }

                _refusals.Flush();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
