using System.Runtime.CompilerServices;
using System.Threading.Channels;
using JobQueue.Checkpoints;
using JobQueue.Coordination;
using JobQueue.Coordination.Protocol;
using JobQueue.Execution;
using JobQueue.Execution.Serialization;
using JobQueue.Execution.Shipping;
using Microsoft.Extensions.Logging;

namespace JobQueue;

/// <summary>
/// A set of worker processes that run the user's functions. The coordinator starts on first use (<c>Map</c>,
/// <c>Submit</c>, <c>WaitForWorkersAsync</c>) or <see cref="StartAsync"/>. Dispose it (<c>await using</c>) to stop
/// every worker and, on a batch system, cancel every job.
/// </summary>
public abstract class Cluster : IAsyncDisposable
{
    private readonly CoordinatorSettings _coordinatorSettings;
    private readonly Lock _startLock = new();
    private readonly OwnedLoggerFactory _logging;
    private readonly ClusterCheckpoints _checkpoints = new();
    private Coordinator? _coordinator;
    private bool _disposed;

    private protected Cluster(string name, ClusterOptions options, string optionsType, string defaultListenAddress, string secretPath)
    {
        Name = name;
        _logging = new OwnedLoggerFactory(options.LoggerFactory);
        Logger = _logging.Factory.CreateLogger(GetType().Name);
        _coordinatorSettings = CoordinatorOptions.Resolve(options, optionsType, defaultListenAddress, secretPath);
    }

    /// <summary>The prefix of this cluster's worker names.</summary>
    public string Name { get; }

    /// <summary>The address workers dial, e.g. <c>tcp://10.1.2.3:40123</c>; null until the coordinator has started.</summary>
    public string? Address => _coordinator?.Address;

    /// <summary>The connected workers.</summary>
    public IReadOnlyList<WorkerInfo> Workers => _coordinator?.Workers ?? [];

    /// <summary>Bytes of code and large values sent to workers: a diagnostic counter.</summary>
    internal long FileBytesSent => _coordinator?.FileBytesSent ?? 0;

    private protected ILogger Logger { get; }

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
                    _coordinator = Coordinator.Start(_coordinatorSettings, Logger);
                    OnCoordinatorStarted(_coordinator);
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
        Send<T, TResult>(function, FunctionShape.OneArgument, items, options, cancellationToken);

    /// <summary>Runs an asynchronous <paramref name="function"/> on every item; its token is signalled when the task is cancelled.</summary>
    public MapResult<TResult> Map<T, TResult>(Func<T, CancellationToken, Task<TResult>> function, IEnumerable<T> items, MapOptions? options = null, CancellationToken cancellationToken = default) =>
        Send<T, TResult>(function, FunctionShape.AsyncWithCancellation, items, options, cancellationToken);

    /// <summary>Runs <paramref name="function"/> once on a worker.</summary>
    public Future<TResult> Submit<TResult>(Func<TResult> function, MapOptions? options = null) =>
        Send<int, TResult>(function, FunctionShape.NoArgument, [0], options, CancellationToken.None)[0];

    /// <summary>Runs <paramref name="function"/> on <paramref name="argument"/> on a worker.</summary>
    public Future<TResult> Submit<T, TResult>(Func<T, TResult> function, T argument, MapOptions? options = null) =>
        Send<T, TResult>(function, FunctionShape.OneArgument, [argument], options, CancellationToken.None)[0];

    /// <summary>
    /// Sends <paramref name="value"/> to the workers once: capture the returned handle in your functions and read
    /// <see cref="Scattered{T}.Value"/> there. Each worker fetches the value when a task first needs it and keeps it,
    /// however many tasks use it. (Large captured values travel this way by themselves; this makes it explicit.)
    /// </summary>
    /// <exception cref="ArgumentException">The value is not data that workers can receive.</exception>
    public Scattered<T> Scatter<T>(T value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new Scattered<T>(value, ShippedFiles.AddContent($"scattered {typeof(T).Name}", ValueCodec.Encode(value, TypeAllowlist.Client, "the scattered value")));
    }

    /// <summary>The results of <paramref name="futures"/>, in their order.</summary>
    /// <exception cref="RemoteTaskException">A task threw (with <see cref="GatherErrors.Raise"/>, the first failure in the futures' order).</exception>
    /// <exception cref="AggregateException">With <see cref="GatherErrors.CollectAll"/>: every failure, once all tasks ended.</exception>
    public async Task<TResult[]> Gather<TResult>(IEnumerable<Future<TResult>> futures, GatherErrors errors = GatherErrors.Raise, CancellationToken cancellationToken = default)
    {
        var tasks = futures.Select(future => future.AsTask()).ToArray();
        if (errors == GatherErrors.CollectAll)
        {
            await Task.WhenAll(tasks).ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default)
                .WaitAsync(cancellationToken).ConfigureAwait(false);
            if (tasks.Any(task => !task.IsCompletedSuccessfully))
            {
                throw new AggregateException("Some tasks failed.", tasks.Where(task => !task.IsCompletedSuccessfully)
                    .Select(task => task.Exception?.InnerException ?? new TaskCanceledException(task)));
            }
        }

        var results = new TResult[tasks.Length];
        for (var i = 0; i < tasks.Length; i++)
        {
            results[i] = tasks[i].IsCompleted ? await tasks[i].ConfigureAwait(false) : await tasks[i].WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        return results;
    }

    /// <summary>The futures as they finish, first finished first.</summary>
    public async IAsyncEnumerable<Future<TResult>> AsCompleted<TResult>(IEnumerable<Future<TResult>> futures, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var finished = Channel.CreateUnbounded<Future<TResult>>();
        var count = 0;
        foreach (var future in futures)
        {
            count++;
            _ = future.AsTask().ContinueWith(_ => finished.Writer.TryWrite(future), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        for (var i = 0; i < count; i++)
        {
            yield return await finished.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Returns once <paramref name="count"/> workers are connected.</summary>
    /// <exception cref="TimeoutException">Fewer workers connected within <paramref name="timeout"/>.</exception>
    /// <exception cref="WorkersDidNotStartException">On a batch system: a job ended before its workers connected.</exception>
    /// <exception cref="BatchCommandException">On a batch system: a submission of <c>Scale</c> was refused.</exception>
    public async Task WaitForWorkersAsync(int count, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
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
        lock (_startLock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            coordinator = _coordinator;
        }

        if (coordinator is not null)
        {
            await StopWorkersAsync(coordinator).ConfigureAwait(false);
            await coordinator.DisposeAsync().ConfigureAwait(false);
        }

        // After the coordinator: no result arrives any more, and every one that did is stored.
        await _checkpoints.DisposeAsync().ConfigureAwait(false);
        await ReleaseAsync().ConfigureAwait(false);
        _logging.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Starts whatever runs the workers, once the coordinator listens.</summary>
    private protected virtual void OnCoordinatorStarted(Coordinator coordinator)
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

    private MapResult<TResult> Send<T, TResult>(Delegate function, FunctionShape shape, IEnumerable<T> items, MapOptions? options, CancellationToken cancellationToken)
    {
        options ??= new MapOptions();
        if (options.AllowedFailures < 1)
        {
            throw new ArgumentException($"MapOptions.AllowedFailures = {options.AllowedFailures} must be at least 1, e.g. AllowedFailures = 3.", nameof(options));
        }

        var definition = FunctionReference.Describe(function, shape, Logger);
        var checkpoint = _checkpoints.Open(function, options, Logger);
        var tasks = items.Select((item, index) => NewTask<T, TResult>(item, index, checkpoint)).ToArray();
        var coordinator = Coordinator;
        coordinator.Submit(checkpoint?.Resume(tasks) ?? tasks, coordinator.RegisterFunction(definition), options.AllowedFailures);
        var futures = Array.ConvertAll(tasks, task => (Future<TResult>)task.Item1);
        if (cancellationToken.CanBeCanceled)
        {
            cancellationToken.Register(() => Array.ForEach(futures, future => future.Cancel()));
        }

        return new MapResult<TResult>(futures);
    }

    private static (Future Future, byte[] Argument) NewTask<T, TResult>(T item, int index, CheckpointedMap? checkpoint)
    {
        var task = ((Future)new Future<TResult>(), EncodeArgument(item, index));
        checkpoint?.Track(task.Item1, item, task.Item2, index);
        return task;
    }

    private static byte[] EncodeArgument<T>(T item, int index)
    {
        try
        {
            return ValueCodec.Encode(item, TypeAllowlist.Client, "item");
        }
        catch (UnsupportedValueException exception)
        {
            throw new ArgumentException($"Item {index} cannot be sent to workers: {exception.Message}.", "items", exception);
        }
    }
}
