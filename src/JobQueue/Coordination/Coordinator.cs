using System.Diagnostics;
using Google.Protobuf;
using Grpc.Core;
using JobQueue.Coordination.Protocol;
using JobQueue.Dashboard;
using JobQueue.Execution.Shipping;
using Microsoft.Extensions.Logging;

namespace JobQueue.Coordination;

/// <summary>
/// The coordinator embedded in the user's process: it accepts authenticated workers, queues tasks, sends each
/// worker as many as it asked for (its credit), completes futures from the results, and reschedules the tasks
/// of workers that die. One lock guards the scheduling state; encoding and decoding happen outside it.
/// </summary>
internal sealed class Coordinator : IAsyncDisposable
{
    private const int MaxTasksPerBatch = 4096;

    private static readonly ToWorker Heartbeat = new() { Heartbeat = new CoordinatorHeartbeat() };

    // Bounds a message of tasks and a partition by argument bytes, far below CoordinatorHost.MaxMessageSize.
    private const int MaxBatchBytes = 16 << 20;
    private const int MaxPartitionBytes = 1 << 20;
    private const int FileChunkSize = 1 << 20;

    private static readonly TimeSpan RefusalLogInterval = TimeSpan.FromSeconds(10);

    // What the dashboard shows of the past: the latest maps and failures.
    private const int RecentMapsKept = 20;
    private const int RecentErrorsKept = 50;

    private readonly CoordinatorSettings _settings;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Queue<Future> _retries = new();
    private readonly Queue<Future> _queue = new();
    private readonly List<WorkerSession> _sessions = [];
    private Exception? _workersCannotStart;
    private readonly Dictionary<ByteString, uint> _functionIds = [];
    private readonly List<FunctionDefinition> _functions = [];
    private readonly Queue<MapState> _recentMaps = new();
    private readonly Queue<FailureSample> _recentErrors = new();
    private readonly ClusterCertificate _certificate;
    private readonly ClusterSecret _secret;
    private readonly RefusalLog _refusals;
    private CoordinatorHost? _host;
    private TaskCompletionSource _workersChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ulong _nextTaskId;
    private long _nextMapNumber;

    // Where NextPartition gathers a partition's items, reused under the lock.
    private readonly List<Future> _partitionItems = [];
    private long _fileBytesSent;
    private int _nextSession;
    private Task _silenceWatch = Task.CompletedTask;

    private Coordinator(CoordinatorSettings settings, ClusterCertificate certificate, ClusterSecret secret, ILogger logger)
    {
        _settings = settings;
        _certificate = certificate;
        _secret = secret;
        _logger = logger;
        _refusals = new RefusalLog(logger, RefusalLogInterval);
    }

    /// <summary>What workers dial, e.g. <c>tcp://10.1.2.3:40123</c>.</summary>
    public string Address { get; private set; } = "";

    /// <summary>Why workers dial <see cref="Address"/>, e.g. <c>from Interface ib0</c>.</summary>
    public string AddressReason { get; private set; } = "";

    public string SecretPath => _secret.Path;

    /// <summary>The token the dashboard asks for, derived from the cluster secret.</summary>
    public string DashboardToken => _secret.Derive("dashboard");

    /// <summary>Bytes of shipped files (code and large captured values) sent to workers so far: a diagnostic counter.</summary>
    public long FileBytesSent => Interlocked.Read(ref _fileBytesSent);

    /// <summary>Makes the cluster's certificate, writes the secret file, and starts serving workers.</summary>
    /// <exception cref="InvalidOperationException">No port of <see cref="CoordinatorSettings.Ports"/> could be bound.</exception>
    /// <exception cref="ArgumentException"><see cref="CoordinatorSettings.Interface"/> does not exist here or has no address.</exception>
    /// <remarks>Synchronous because the cluster starts its coordinator on first use, from <c>Map</c> and friends.</remarks>
    public static Coordinator Start(CoordinatorSettings settings, ILogger logger)
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

        var coordinator = new Coordinator(settings, certificate, secret, logger);
        try
        {
            // Off any caller's synchronization context (a notebook's, a UI's): the cluster starts this inside a lock.
            var service = new WorkerChannelService(coordinator, secret.Keys, coordinator._refusals);
            coordinator._host = Task.Run(() => CoordinatorHost.StartAsync(settings with { ListenAddress = address.Bind.ToString() }, certificate, service, coordinator._refusals, logger)).GetAwaiter().GetResult();
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

    public IReadOnlyList<WorkerInfo> Workers
    {
        get
        {
            lock (_gate)
            {
                return _sessions.Select(session => session.Describe()).ToArray();
            }
        }
    }

    /// <summary>A worker registered (true) or its connection ended (false); raised outside the coordinator's lock.</summary>
    public event Action<WorkerInfo, bool>? WorkerChanged;

    /// <summary>Gives the function an id, shared by every equal definition so workers load it once.</summary>
    public uint RegisterFunction(FunctionDefinition definition)
    {
        var key = definition.ToByteString();
        lock (_gate)
        {
            if (!_functionIds.TryGetValue(key, out var id))
            {
                id = (uint)_functions.Count;
                _functions.Add(new FunctionDefinition(definition) { Id = id });
                _functionIds[key] = id;
            }

            return id;
        }
    }

    /// <summary>
    /// Numbers a new map of <paramref name="count"/> items and reserves its task ids; <see cref="Submit"/> then queues its
    /// items. A null <paramref name="batchSize"/> (items per partition) is learned from the workers' measurements.
    /// </summary>
    public MapState BeginMap(uint functionId, int count, int allowedFailures, int? batchSize)
    {
        lock (_gate)
        {
            var map = new MapState(_nextMapNumber++, _nextTaskId, count, functionId, allowedFailures, batchSize);
            _nextTaskId += (ulong)count;
            _recentMaps.Enqueue(map);
            if (_recentMaps.Count > RecentMapsKept)
            {
                _recentMaps.Dequeue();
            }

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

    /// <summary>Queues consecutive items of <paramref name="map"/>, from <paramref name="firstIndex"/> on, and sends them to workers with credit.</summary>
    public void Submit(MapState map, int firstIndex, IReadOnlyList<(Future Future, byte[] Argument)> items)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
            for (var i = 0; i < items.Count; i++)
            {
                items[i].Future.Bind(this, map, firstIndex + i, items[i].Argument);
                if (_workersCannotStart is { } failure && _sessions.Count == 0)
                {
                    items[i].Future.TrySetException(failure);
                    continue;
                }

                _queue.Enqueue(items[i].Future);
            }

            map.Undispatched += items.Count;
            DispatchLocked();
        }
    }

    /// <summary>
    /// While no worker is connected, fails the waiting tasks, and those submitted later, with <paramref name="failure"/>
    /// (why workers cannot start); null when workers may start again.
    /// </summary>
    public void WorkersCannotStart(Exception? failure)
    {
        List<Future> waiting;
        lock (_gate)
        {
            _workersCannotStart = failure;
            if (failure is null || _sessions.Count > 0)
            {
                return;
            }

            waiting = [.. _retries, .. _queue];
            _retries.Clear();
            _queue.Clear();
        }

        foreach (var future in waiting)
        {
            future.TrySetException(failure);
        }
    }

    public void Cancel(Future future)
    {
        if (!future.TrySetCancelled())
        {
            return;
        }

        lock (_gate)
        {
            // A queued task is skipped when its turn comes; a worker is told to cancel a task it holds.
            if (future.Worker is { } worker)
            {
                worker.Send(new ToWorker { Cancel = new CancelTasks { Ids = { future.Id } } });
            }
            else
            {
                future.Map?.CountCancelled();
            }
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
                if (_sessions.Count >= count)
                {
                    return;
                }

                changed = _workersChanged.Task;
            }

            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Items waiting for a worker, and per worker (keyed by its batch job) the partitions and items it holds: what
    /// adaptive scaling decides from. A partition occupies one of the worker's threads.
    /// </summary>
    public (int Queued, IReadOnlyList<(string JobId, int HeldPartitions, int HeldItems, int Threads)> Workers) Load()
    {
        lock (_gate)
        {
            return (_queue.Count + _retries.Count,
                _sessions.Select(session => (session.Registration.JobId, session.Assigned.Count, HeldItems(session), (int)session.Registration.Threads)).ToArray());
        }
    }

    private static int HeldItems(WorkerSession session)
    {
        var held = 0;
        foreach (var partition in session.Assigned.Values)
        {
            held += partition.Items.Length;
        }

        return held;
    }

    /// <summary>The workers, the latest maps and failures, for the dashboard: one pass over what the lock guards anyway.</summary>
    public (IReadOnlyList<WorkerSample> Workers, IReadOnlyList<MapSample> Maps, IReadOnlyList<FailureSample> Errors) Sample()
    {
        var now = Environment.TickCount64;
        var running = new Dictionary<MapState, int>();
        WorkerSample[] workers;
        MapSample[] maps;
        FailureSample[] errors;
        lock (_gate)
        {
            workers = new WorkerSample[_sessions.Count];
            for (var i = 0; i < workers.Length; i++)
            {
                var session = _sessions[i];
                foreach (var partition in session.Assigned.Values)
                {
                    running[partition.Map] = running.GetValueOrDefault(partition.Map) + partition.Items.Length;
                }

                var registration = session.Registration;
                workers[i] = new WorkerSample(
                    session.Name, registration.Host, registration.JobId, (int)registration.Threads, (long)registration.MemoryLimit, session.ResidentMemory,
                    HeldItems(session), session.TasksDone, TimeSpan.FromMilliseconds(now - session.LastHeard), session.ConnectedAt);
            }

            // Results are counted done under this lock (TakeResults), so no item is both running and done here.
            maps = [.. _recentMaps.Select(map => new MapSample(map.Number, map.Items, map.Statistics.Items + map.Lost, map.Failed, running.GetValueOrDefault(map), map.Cancelled))];
            errors = [.. _recentErrors];
        }

        return (workers, maps, errors);
    }

    /// <summary>Tells every worker to exit.</summary>
    public void ShutDownWorkers(string reason)
    {
        lock (_gate)
        {
            foreach (var session in _sessions)
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
            foreach (var session in _sessions.Where(session => !session.Draining && jobIds.Contains(session.Registration.JobId)))
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
        List<Future> unfinished;
        lock (_gate)
        {
            foreach (var session in _sessions)
            {
                session.Abort();
            }

            unfinished = [.. _retries, .. _queue, .. _sessions.SelectMany(session => session.Assigned.Values).SelectMany(partition => partition.Items)];
            _retries.Clear();
            _queue.Clear();
        }

        foreach (var future in unfinished)
        {
            future.TrySetException(new ObjectDisposedException(nameof(Cluster), "The cluster was disposed before this task finished."));
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

    /// <summary>Runs an authenticated worker's call until it ends: registration, the read loop, and the rescheduling of what it held.</summary>
    public async Task ServeAsync(WorkerSession session)
    {
        session.Send(new ToWorker { Welcome = new Welcome { HeartbeatIntervalMs = (uint)CoordinatorSettings.HeartbeatInterval.TotalMilliseconds, Seed = _settings.Seed } });
        AddSession(session);
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        var writer = session.WriteLoopAsync(connection.Token);
        try
        {
            await ReadLoopAsync(session, connection.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (!_stopping.IsCancellationRequested && !session.Dismissed && !session.Draining)
        {
            _logger.LogWarning("Lost worker {Worker} ({Peer}): {Reason}", session.Name, session.Peer, Describe(exception));
        }
        catch (Exception exception) when (!_stopping.IsCancellationRequested)
        {
            // Told to shut down or drain, or leaving on its own: its call ends as it exits.
            _logger.LogInformation("Worker {Worker} ({Peer}) left: {Reason}", session.Name, session.Peer, Describe(exception));
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or RpcException)
        {
            // The cluster is stopping.
        }
        finally
        {
            // The writer ends with the call, not only with the coordinator.
            session.Abort();
            await connection.CancelAsync().ConfigureAwait(false);
            await writer.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
            RemoveSession(session);
        }
    }

    private static string Describe(Exception exception) => exception switch
    {
        RpcException rpc => rpc.Status.Detail is { Length: > 0 } detail ? detail : rpc.StatusCode.ToString(),
        OperationCanceledException => "its connection was dropped",
        _ => exception.Message,
    };

    private async Task ReadLoopAsync(WorkerSession session, CancellationToken cancellationToken)
    {
        var completed = new List<(Future[] Items, TaskResult Result)>();
        while (await session.ReadAsync(cancellationToken).ConfigureAwait(false) is { } message)
        {
            session.LastHeard = Environment.TickCount64;
            switch (message.MessageCase)
            {
                case FromWorker.MessageOneofCase.Results:
                    TakeResults(session, message.Results, completed);
                    foreach (var (items, result) in completed)
                    {
                        var started = Stopwatch.GetTimestamp();
                        Complete(items, result, session.Name);
                        items[0].Map!.Statistics.AddMessaging(started);
                    }

                    completed.Clear();
                    break;
                case FromWorker.MessageOneofCase.Heartbeat:
                    lock (_gate)
                    {
                        session.ResidentMemory = (long)message.Heartbeat.ResidentMemory;
                    }

                    break;
                case FromWorker.MessageOneofCase.Fetch:
                    _ = Task.Run(() => SendFiles(session, message.Fetch.Sha256));
                    break;
                case FromWorker.MessageOneofCase.Leaving:
                    lock (_gate)
                    {
                        session.Draining = true;
                    }

                    _logger.LogInformation("Worker {Worker} is leaving: {Reason}", session.Name, message.Leaving.Reason);
                    break;
                default:
                    throw new WireProtocolException($"Unexpected {message.MessageCase} message from a registered worker.");
            }
        }
    }

    // Only what this process put into ShippedFiles can be asked for: a hash is not a path.
    private void SendFiles(WorkerSession session, IEnumerable<ByteString> hashes)
    {
        foreach (var sha256 in hashes)
        {
            var content = ShippedFiles.TryRead(sha256);
            if (content is null)
            {
                session.Send(new ToWorker { File = new FileChunk { Sha256 = sha256, Last = true, Error = "this cluster never shipped a file with that hash" } });
                continue;
            }

            for (var offset = 0; offset == 0 || offset < content.Length; offset += FileChunkSize)
            {
                var length = Math.Min(FileChunkSize, content.Length - offset);
                session.Send(new ToWorker
                {
                    File = new FileChunk { Sha256 = sha256, Data = ByteString.CopyFrom(content, offset, length), Last = offset + length == content.Length },
                });
            }

            Interlocked.Add(ref _fileBytesSent, content.Length);
        }
    }

    private void TakeResults(WorkerSession session, ResultBatch batch, List<(Future[], TaskResult)> completed)
    {
        lock (_gate)
        {
            foreach (var result in batch.Results)
            {
                // Only the worker that holds a partition may finish it: no late or doubled result gets through.
                if (!session.Assigned.Remove(result.Id, out var partition))
                {
                    continue;
                }

                partition.Map.InFlight--;
                var reported = Math.Min(result.ValueEnds.Count, partition.Items.Length);
                for (var i = 0; i < partition.Items.Length; i++)
                {
                    partition.Items[i].Worker = null;
                    if (i >= reported)
                    {
                        // Handed back unstarted (drain): they go elsewhere, in order.
                        _retries.Enqueue(partition.Items[i]);
                        partition.Map.Undispatched++;
                    }
                }

                if (reported == 0)
                {
                    continue;
                }

                var compute = TimeSpan.FromTicks((long)(result.ComputeNanoseconds / 100));
                partition.Map.Sizer.Observe(reported, compute.TotalSeconds);
                partition.Map.Statistics.AddPartition(reported, compute);
                session.TasksDone += reported;
                completed.Add((partition.Items, result));
            }

            session.Credit += (int)batch.Credit;
            DispatchLocked();
        }
    }

    /// <summary>Completes each reported item of a partition with its own value, error or cancellation.</summary>
    private void Complete(Future[] items, TaskResult result, string worker)
    {
        var values = result.Values.Span;
        var (errors, cancellations) = (result.Failures?.Errors, result.Failures?.Cancelled);
        var (start, error, cancelled) = (0, 0, 0);
        for (var i = 0; i < result.ValueEnds.Count && i < items.Length; i++)
        {
            var end = (int)result.ValueEnds[i];
            if (errors is not null && error < errors.Count && errors[error].Item == i)
            {
                var thrown = errors[error++].Error;
                items[i].TrySetException(new RemoteTaskException(thrown.Type, thrown.Message, thrown.StackTrace));
                RecordFailure(items[i], worker, thrown.Type, thrown.Message, thrown.StackTrace, lost: false);
            }
            else if (cancellations is not null && cancelled < cancellations.Count && cancellations[cancelled] == i)
            {
                cancelled++;
                items[i].TrySetCancelled();
            }
            else
            {
                items[i].TrySetResult(values[start..end]);
            }

            start = end;
        }
    }

    // Per failure, not per task: what the dashboard counts and lists.
    private void RecordFailure(Future future, string worker, string type, string message, string stackTrace, bool lost)
    {
        future.Map?.CountFailure(lost);
        var error = new FailureSample(DateTimeOffset.UtcNow, future.Map?.Number ?? -1, future.Map is null ? -1 : future.Index, worker, type, message, stackTrace);
        lock (_gate)
        {
            _recentErrors.Enqueue(error);
            if (_recentErrors.Count > RecentErrorsKept)
            {
                _recentErrors.Dequeue();
            }
        }
    }

    // Deals partitions one at a time, round-robin, to the workers with credit, so a few long tasks spread out
    // while a large map still leaves in one frame per worker.
    private void DispatchLocked()
    {
        if (_retries.Count == 0 && _queue.Count == 0)
        {
            return;
        }

        var ready = _sessions.Where(session => session.Credit > 0 && !session.Closed && !session.Draining).ToList();
        var threads = ready.Count == 0 ? 0 : _sessions.Sum(session => (int)session.Registration.Threads);
        var batches = ready.ToDictionary(session => session, _ => new OutgoingBatch());
        for (var turn = _nextSession++; ready.Count > 0; turn++)
        {
            var started = Stopwatch.GetTimestamp();
            if (NextPartition(threads) is not { } partition)
            {
                break;
            }

            var session = ready[turn % ready.Count];
            if (session.KnownFunctions.Add(partition.Map.FunctionId))
            {
                session.Send(new ToWorker { Function = _functions[(int)partition.Map.FunctionId] });
            }

            var spec = new TaskSpec { Id = partition.Id, Function = partition.Map.FunctionId, Map = (ulong)partition.Map.Number, FirstIndex = (ulong)partition.Items[0].Index };
            var bytes = 0L;
            foreach (var future in partition.Items)
            {
                future.Worker = session;
                spec.Arguments.Add(UnsafeByteOperations.UnsafeWrap(future.Argument));
                bytes += future.Argument.Length;
            }

            session.Assigned[partition.Id] = partition;
            session.Credit--;
            var batch = batches[session];
            batch.Tasks.Tasks.Add(spec);
            batch.Bytes += bytes;
            partition.Map.Statistics.AddMessaging(started);
            if (session.Credit == 0 || batch.Tasks.Tasks.Count == MaxTasksPerBatch || batch.Bytes >= MaxBatchBytes)
            {
                session.Send(new ToWorker { Tasks = batch.Tasks });
                batches[session] = new OutgoingBatch();
                if (session.Credit == 0)
                {
                    ready.Remove(session);
                }
            }
        }

        foreach (var (session, batch) in batches.Where(pair => pair.Value.Tasks.Tasks.Count > 0))
        {
            session.Send(new ToWorker { Tasks = batch.Tasks });
        }
    }

    /// <summary>The next consecutive pending items of one map, retries first, as many as its sizer asks for.</summary>
    private Partition? NextPartition(int threads)
    {
        var source = HasPending(_retries) ? _retries : HasPending(_queue) ? _queue : null;
        if (source is null)
        {
            return null;
        }

        var map = source.Peek().Map!;
        if (map.InFlight >= map.Sizer.MaxInFlight(threads))
        {
            return null; // the results that size the rest are on their way
        }

        var first = source.Dequeue();
        var size = map.Sizer.Next(map.Undispatched, threads);
        map.InFlight++;
        if (size == 1)
        {
            map.Undispatched--;
            return new Partition(map, [first]);
        }

        var items = _partitionItems;
        items.Add(first);
        var bytes = (long)first.Argument.Length;
        while (items.Count < size && bytes < MaxPartitionBytes && source.TryPeek(out var next)
            && next.Map == map && next.Id == items[^1].Id + 1 && !next.Completion.IsCompleted)
        {
            items.Add(source.Dequeue());
            bytes += next.Argument.Length;
        }

        map.Undispatched -= items.Count;
        var partition = new Partition(map, [.. items]);
        items.Clear();
        return partition;
    }

    /// <summary>Drops finished (cancelled) items from the head of <paramref name="queue"/>; true when a pending one is next.</summary>
    private static bool HasPending(Queue<Future> queue)
    {
        while (queue.TryPeek(out var future))
        {
            if (!future.Completion.IsCompleted)
            {
                return true;
            }

            queue.Dequeue();
            future.Map!.Undispatched--;
        }

        return false;
    }

    private void AddSession(WorkerSession session)
    {
        lock (_gate)
        {
            // A worker restarted under its old name replaces the connection it left behind.
            _sessions.FirstOrDefault(existing => existing.Name == session.Name)?.Abort();
            _sessions.Add(session);
            SignalWorkersChanged();
        }

        _logger.LogInformation("Worker {Worker} connected from {Host} ({Threads} threads)", session.Name, session.Registration.Host, session.Registration.Threads);
        WorkerChanged?.Invoke(session.Describe(), true);
    }

    private void RemoveSession(WorkerSession session)
    {
        var lost = new List<Future>();
        lock (_gate)
        {
            if (!_sessions.Remove(session))
            {
                return;
            }

            session.Closed = true;
            foreach (var partition in session.Assigned.Values)
            {
                partition.Map.InFlight--;
            }

            foreach (var future in session.Assigned.Values.OrderBy(partition => partition.Id).SelectMany(partition => partition.Items))
            {
                // Items whose result already arrived keep it; the others run again, or fail when their workers keep dying.
                future.Worker = null;
                if (future.Completion.IsCompleted)
                {
                    continue;
                }

                if (session.Draining)
                {
                    // Sent before the drain reached the worker: not the task's fault.
                    _retries.Enqueue(future);
                    future.Map!.Undispatched++;
                    continue;
                }

                (future.LostWorkers ??= []).Add(session.Name);
                if (future.LostWorkers.Count >= future.Map!.AllowedFailures)
                {
                    lost.Add(future);
                }
                else
                {
                    _retries.Enqueue(future);
                    future.Map.Undispatched++;
                }
            }

            session.Assigned.Clear();
            SignalWorkersChanged();
            DispatchLocked();
        }

        foreach (var future in lost)
        {
            var exception = new WorkerLostException(future.LostWorkers!);
            future.TrySetException(exception);
            RecordFailure(future, session.Name, typeof(WorkerLostException).FullName!, exception.Message, "", lost: true);
        }

        WorkerChanged?.Invoke(session.Describe(), false);
    }

    private void SignalWorkersChanged()
    {
        var changed = _workersChanged;
        _workersChanged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }

    private async Task WatchSilenceAsync()
    {
        using var timer = new PeriodicTimer(CoordinatorSettings.HeartbeatInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                var limit = Environment.TickCount64 - (long)CoordinatorSettings.SilenceLimit.TotalMilliseconds;
                lock (_gate)
                {
                    foreach (var session in _sessions)
                    {
                        if (session.LastHeard < limit)
                        {
                            _logger.LogWarning("Worker {Worker} has been silent for {Seconds} s; taking it for dead", session.Name, CoordinatorSettings.SilenceLimit.TotalSeconds);
                            session.Abort();
                        }
                        else
                        {
                            session.Send(Heartbeat);
                        }
                    }
                }

                _refusals.Flush();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>A frame of tasks for one worker being filled, and the argument bytes in it.</summary>
    private sealed class OutgoingBatch
    {
        public TaskBatch Tasks { get; } = new();

        public long Bytes { get; set; }
    }
}
