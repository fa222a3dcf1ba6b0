using System.Diagnostics;
using System.Security.Cryptography;
using JobQueue.Checkpoints;
using JobQueue.Coordination;
using JobQueue.Protocol;
using JobQueue.Dashboard;
using JobQueue.Serialization;
using JobQueue.Shipping;
using JobQueue.JobScripts;
using JobQueue.Scripting;
using JobQueue.Security;
using Microsoft.Extensions.Logging;

namespace JobQueue;

/// <summary>
/// A set of worker processes that run the user's functions. The coordinator starts on first use (<c>Map</c>,
/// <c>Submit</c>, <c>WaitForWorkersAsync</c>) or <see cref="StartAsync"/>. Dispose it (<c>await using</c>) to stop
/// every worker and, on a batch system, cancel every job.
/// </summary>
public abstract partial class Cluster : IAsyncDisposable
{
    // MapOptions.Priority's defaults: a single task submitted during a large map does not wait behind it.
    private const int MapPriority = 0;
    private const int SubmitPriority = 1;

    private readonly CoordinatorSettings _coordinatorSettings;
    private readonly Lock _startLock = new();
    private readonly OwnedLoggerFactory _logging;
    private readonly ClusterCheckpoints _checkpoints = new();
    private readonly DashboardBinding? _dashboardBinding;
    private readonly FutureCompletion _completion;
    private Coordinator? _coordinator;
    private DashboardServer? _dashboard;
    private bool _disposed;

    private protected Cluster(string name, ClusterOptions options, string optionsType, string defaultListenAddress, string secretPath)
    {
        ControlCharacters.Refuse(options, optionsType);
        Name = name;
        _logging = new OwnedLoggerFactory(options.LoggerFactory);
        Logger = _logging.Factory.CreateLogger(GetType().Name);
        Seed = options.Seed ?? BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(sizeof(ulong)));
        _coordinatorSettings = CoordinatorOptions.Resolve(options, optionsType, defaultListenAddress, secretPath) with { Seed = Seed };
        _dashboardBinding = DashboardBinding.Parse(options.DashboardAddress, optionsType);
        _completion = new FutureCompletion((worker, connected) => OnWorkerChanged(Volatile.Read(ref _coordinator)!, worker, connected));
        Logger.LogInformation("Cluster {Name} uses Seed = {Seed}; set {Options}.Seed to repeat its random streams", name, Seed, optionsType);
    }

    /// <summary>The seed of the tasks' random streams: <see cref="ClusterOptions.Seed"/>, or the random one chosen for this cluster.</summary>
    public ulong Seed { get; }

    /// <summary>The prefix of this cluster's worker names.</summary>
    public string Name { get; }

    /// <summary>The address workers dial, e.g. <c>tcp://10.1.2.3:40123</c>; null until the coordinator has started.</summary>
    public string? Address => _coordinator?.Address;

    /// <summary>Why workers dial <see cref="Address"/>, e.g. <c>from Interface ib0</c>; null until the coordinator has started.</summary>
    private protected string? AddressReason => _coordinator?.AddressReason;

    /// <summary>
    /// The dashboard's URL with its token, e.g. <c>http://127.0.0.1:8787/?token=3f…</c> (print it where you choose: the log never shows the token); null
    /// until the coordinator has started, when <see cref="ClusterOptions.DashboardAddress"/> is null, or when it could
    /// not start (the log says why).
    /// </summary>
    public string? DashboardLink => Volatile.Read(ref _dashboard)?.Link;

    /// <summary>True once <see cref="DisposeAsync"/> has begun: the cluster runs nothing any more.</summary>
    public bool IsClosed
    {
        get
        {
            lock (_startLock)
            {
                return _disposed;
            }
        }
    }

    /// <summary>The connected workers.</summary>
    public IReadOnlyList<WorkerInfo> Workers => _coordinator?.Workers ?? [];

    /// <summary>Bytes of code and large values sent to workers: a diagnostic counter.</summary>
    internal long FileBytesSent => _coordinator?.FileBytesSent ?? 0;

    /// <summary>The secret file the workers read; null until the coordinator has started.</summary>
    internal string? SecretPath => _coordinator?.SecretPath;

    private protected ILogger Logger { get; }

    /// <summary>
    /// For <c>ToString()</c>: tasks held back for their inputs, and items waiting for resources no connected worker has,
    /// e.g. <c>; 12 tasks waiting for their inputs; waiting for resources no worker has: map 3 (20 items): gpu=2</c>.
    /// </summary>
    private protected string UnrunnableNote =>
        (_coordinator?.DependenciesWaiting is > 0 and var held ? $"; {held} tasks waiting for their inputs" : "")
        + (_coordinator?.Unrunnable is { Count: > 0 } waiting ? $"; waiting for resources no worker has: {string.Join("; ", waiting)}" : "");

    private protected ILoggerFactory LoggerFactory => _logging.Factory;

    private protected Coordinator Coordinator
    {
        get
        {
            lock (_startLock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (_coordinator is null)
                {
                    _coordinator = Coordinator.Start(_coordinatorSettings, _completion, Logger);
                    // Workers are launched while the server starts: their connections wait in its listen queue.
                    OnCoordinatorStarted(_coordinator);
                    try
                    {
                        _coordinator.WaitUntilServing();
                    }
                    catch
                    {
                        var failed = _coordinator;
                        _coordinator = null;
                        Task.Run(async () =>
                        {
                            await StopWorkersAsync(failed).ConfigureAwait(false);
                            await failed.DisposeAsync().ConfigureAwait(false);
                        }).GetAwaiter().GetResult();
                        throw;
                    }

                    _dashboard = StartDashboard(_coordinator);
                }

                return _coordinator;
            }
        }
    }

    /// <summary>Starts the coordinator (and, for a <see cref="LocalCluster"/>, its workers) now rather than on first use.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _ = Coordinator;
        return Task.CompletedTask;
    }

    /// <summary>Runs <paramref name="function"/> on every item, in parallel on the workers; one future per item, in order.</summary>
    /// <exception cref="ArgumentException">The function or what it captures cannot be sent to a worker.</exception>
    public MapResult<TResult> Map<T, TResult>(Func<T, TResult> function, IEnumerable<T> items, MapOptions? options = null, CancellationToken cancellationToken = default) =>
        Send<T, TResult>(function, FunctionShape.OneArgument, items, options, MapPriority, cancellationToken);

    /// <summary>Runs an asynchronous <paramref name="function"/> on every item; its token is signalled when the task is cancelled.</summary>
    public MapResult<TResult> Map<T, TResult>(Func<T, CancellationToken, Task<TResult>> function, IEnumerable<T> items, MapOptions? options = null, CancellationToken cancellationToken = default) =>
        Send<T, TResult>(function, FunctionShape.AsyncWithCancellation, items, options, MapPriority, cancellationToken);

    /// <summary>Runs <paramref name="function"/> once on a worker.</summary>
    public Future<TResult> Submit<TResult>(Func<TResult> function, MapOptions? options = null) =>
        Send<int, TResult>(function, FunctionShape.NoArgument, [0], options, SubmitPriority, CancellationToken.None, keepEncoded: true)[0];

    /// <summary>Runs <paramref name="function"/> on <paramref name="argument"/> on a worker.</summary>
    public Future<TResult> Submit<T, TResult>(Func<T, TResult> function, T argument, MapOptions? options = null) =>
        Send<T, TResult>(function, FunctionShape.OneArgument, [argument], options, SubmitPriority, CancellationToken.None, keepEncoded: true)[0];

    /// <summary>
    /// Runs <paramref name="function"/> once on every connected worker, at once rather than after the queued tasks
    /// (dask's <c>client.run</c>), e.g. to warm a cache with <see cref="TaskContext.GetOrCreate{T}"/>; inside it
    /// <see cref="TaskContext.Current"/> names the worker. Returns each worker's result by worker name (empty when
    /// none is connected).
    /// </summary>
    /// <exception cref="RemoteTaskException">The function threw on a worker (the first in the workers' order).</exception>
    /// <exception cref="WorkerLostException">A worker left before it ran the function.</exception>
    public async Task<IReadOnlyDictionary<string, TResult>> RunOnEachWorker<TResult>(Func<TResult> function, CancellationToken cancellationToken = default)
    {
        var (names, futures) = EachWorker.Start<TResult>(Coordinator, FunctionReference.Describe(function, FunctionShape.NoArgument, Logger));
        using var cancelling = cancellationToken.Register(() => Array.ForEach(futures, future => future.Cancel()));
        var results = await Gather(futures, GatherErrors.Raise, cancellationToken).ConfigureAwait(false);
        return names.Zip(results).ToDictionary(pair => pair.First, pair => pair.Second);
    }

    /// <summary>
    /// Splits <paramref name="items"/> with <paramref name="partitioner"/>, runs <paramref name="function"/> on each
    /// partition on the workers, and combines the partial results here, in the partitions' order (parfun's
    /// <c>split</c> and <c>combine_with</c>). It computes what <c>combine(partitioner.Split(items).Select(function))</c>
    /// computes in this process.
    /// </summary>
    /// <exception cref="ArgumentException">The function or what it captures cannot be sent to a worker.</exception>
    public CombinedResult<TResult> MapPartitions<T, TPartial, TResult>(
        Func<T[], TPartial> function, IEnumerable<T> items, Partitioner<T> partitioner, Func<IEnumerable<TPartial>, TResult> combine,
        MapOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(partitioner);
        ArgumentNullException.ThrowIfNull(combine);
        var started = Stopwatch.GetTimestamp();
        var partitions = partitioner.Split(items).ToArray();
        var splitting = Stopwatch.GetElapsedTime(started);
        var partials = Send<T[], TPartial>(function, FunctionShape.OneArgument, partitions, options, MapPriority, cancellationToken);
        partials.Statistics.AddEncoding(splitting);
        return new CombinedResult<TResult>(CombineAsync(partials, combine, cancellationToken), partials.Statistics);
    }

    /// <summary>
    /// Sends <paramref name="value"/> to the workers once: capture the returned handle in your functions and read
    /// <see cref="Scattered{T}.Value"/> there. Each worker fetches the value when a task first needs it and keeps it,
    /// however many tasks use it. (Large captured values travel this way by themselves; this makes it explicit.)
    /// </summary>
    /// <exception cref="ArgumentException">The value is not data that workers can receive.</exception>
    public Scattered<T> Scatter<T>(T value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new Scattered<T>(value, SpilledValues.Add($"scattered {typeof(T).Name}", value));
    }

    private async Task<TResult> CombineAsync<TPartial, TResult>(MapResult<TPartial> partials, Func<IEnumerable<TPartial>, TResult> combine, CancellationToken cancellationToken)
    {
        var results = await Gather(partials, GatherErrors.Raise, cancellationToken).ConfigureAwait(false);
        var started = Stopwatch.GetTimestamp();
        try
        {
            return combine(results);
        }
        finally
        {
            partials.Statistics.AddCombining(Stopwatch.GetElapsedTime(started));
        }
    }

    /// <summary>Returns once <paramref name="count"/> workers are connected.</summary>
    /// <exception cref="TimeoutException">Fewer workers connected within <paramref name="timeout"/>.</exception>
    /// <exception cref="WorkersDidNotStartException">On a batch system: a job ended before its workers connected.</exception>
    /// <exception cref="BatchCommandException">On a batch system: a submission of <c>Scale</c> was refused.</exception>
    public async Task WaitForWorkersAsync(int count, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        using var interruptible = CellScope.Link(cancellationToken);
        cancellationToken = interruptible.Token;
        var coordinator = Coordinator;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout is { } limit)
        {
            deadline.CancelAfter(limit);
        }

        try
        {
            var connected = coordinator.WaitForWorkersAsync(count, deadline.Token);
            var failed = WorkersCannotStart;
            if (await Task.WhenAny(connected, failed).ConfigureAwait(false) == failed)
            {
                await deadline.CancelAsync().ConfigureAwait(false);
                await failed.ConfigureAwait(false);
            }

            await connected.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(
                $"{coordinator.Workers.Count} of {count} workers connected to {coordinator.Address} within {timeout!.Value.TotalSeconds:0.#} s. {DescribeMissingWorkers()}");
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Coordinator? coordinator;
        DashboardServer? dashboard;
        lock (_startLock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            (coordinator, dashboard) = (_coordinator, _dashboard);
        }

        // First: its open pages must not hold up the rest.
        if (dashboard is not null)
        {
            await dashboard.DisposeAsync().ConfigureAwait(false);
        }

        if (coordinator is not null)
        {
            await StopWorkersAsync(coordinator).ConfigureAwait(false);
            await coordinator.DisposeAsync().ConfigureAwait(false);
        }

        // After the coordinator: no result arrives any more, and every one that did completes its future and is stored.
        await _completion.DisposeAsync().ConfigureAwait(false);
        await _checkpoints.DisposeAsync().ConfigureAwait(false);
        await ReleaseAsync().ConfigureAwait(false);
        _logging.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>What the dashboard shows; a batch cluster adds its jobs and adaptive decisions.</summary>
    private protected virtual DashboardSnapshot SampleDashboard(Coordinator coordinator)
    {
        var (workers, maps, unrunnable) = coordinator.Sample();
        return new DashboardSnapshot(
            Name, GetType().Name, coordinator.Address,
            [.. workers.Select(activity => new WorkerSample(
                activity.Worker.Name, activity.Worker.Host, activity.Worker.JobId, activity.Worker.Threads, activity.Worker.MemoryLimit, activity.Worker.ResidentMemory,
                activity.HeldItems, activity.Worker.TasksDone, activity.SinceHeard, activity.Worker.ConnectedAt, activity.Worker.Paused)
            {
                Resources = [.. activity.Resources.Select(use => new ResourceSample(use.Name, use.InUse, use.Total))],
            })],
            [.. maps.Select(map => new MapSample(map.Number, map.Items, map.Done, map.Failed, map.Running, map.Cancelled))],
            _completion.Failures.Snapshot())
        {
            Unrunnable = unrunnable,
            DependenciesWaiting = coordinator.DependenciesWaiting,
        };
    }

    /// <summary>Reads a batch job's log for the dashboard; null where there are no batch jobs.</summary>
    private protected virtual Func<string, CancellationToken, Task<JobLog>>? DashboardJobLog => null;

    private DashboardServer? StartDashboard(Coordinator coordinator)
    {
        if (_dashboardBinding is not { } binding)
        {
            Logger.LogInformation("No dashboard: DashboardAddress is null");
            return null;
        }

        var source = new DashboardSource(
            binding, coordinator.DashboardToken, () => SampleDashboard(coordinator), DashboardJobLog, LoggerFactory);
        return DashboardServer.TryStart(source, Logger);
    }

    /// <summary>Starts whatever runs the workers, once the coordinator listens.</summary>
    private protected virtual void OnCoordinatorStarted(Coordinator coordinator)
    {
    }

    /// <summary>A worker registered (true) or left (false); no worker connects before the coordinator is set.</summary>
    private protected virtual void OnWorkerChanged(Coordinator coordinator, WorkerInfo worker, bool connected)
    {
    }

    /// <summary>Stops the workers before the coordinator closes.</summary>
    private protected virtual Task StopWorkersAsync(Coordinator coordinator)
    {
        coordinator.ShutDownWorkers("the cluster was disposed");
        return Task.CompletedTask;
    }

    /// <summary>Releases what the cluster holds besides the coordinator, whether or not it started.</summary>
    private protected virtual ValueTask ReleaseAsync() => ValueTask.CompletedTask;

    /// <summary>Faults when workers the cluster waits for will not come (a batch job failed before they connected); else never completes.</summary>
    private protected virtual Task WorkersCannotStart => Task.Delay(Timeout.Infinite);

    /// <summary>What the user should know when workers do not come.</summary>
    private protected virtual string DescribeMissingWorkers() => "";

    // keepEncoded: a Submit's result stays encoded until it is looked at, so that passed on as an argument it is never decoded here.
    private MapResult<TResult> Send<T, TResult>(
        Delegate function, FunctionShape shape, IEnumerable<T> items, MapOptions? options, int defaultPriority, CancellationToken cancellationToken, bool keepEncoded = false)
    {
        options ??= MapOptions.Default;
        MapSubmission.Validate(options);
        var definition = FunctionReference.Describe(function, shape, Logger);
        // A copy: the items are encoded as they are sent, and the caller may change its collection meanwhile.
        var list = items.ToArray();
        var checkpoint = _checkpoints.Open(function, options, list.Length, Logger);
        var coordinator = Coordinator;
        var map = coordinator.BeginMap(coordinator.RegisterFunction(definition), list.Length, MapSubmission.Policy(options, defaultPriority), options.BatchSize, options.MaxResultSizeBytes);
        var results = new MapItems<TResult>(map, list.Length, keepEncoded);
        MapFeeder<T, TResult>.Start(coordinator, list, results, checkpoint, options.ChunkSize);
        CancelOnInterrupt(results, cancellationToken);
        return new MapResult<TResult>(results, map.Statistics);
    }

    // The caller's token and a notebook cell's interruption cancel the items not yet decided.
    private static void CancelOnInterrupt<TResult>(MapItems<TResult> results, CancellationToken cancellationToken)
    {
        CancelOn(cancellationToken);
        CancelOn(CellScope.Current?.Interrupt ?? CancellationToken.None);

        void CancelOn(CancellationToken token)
        {
            if (token.CanBeCanceled)
            {
                token.Register(results.CancelAll);
            }
        }
    }
}
