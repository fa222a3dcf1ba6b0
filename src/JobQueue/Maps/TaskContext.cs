using JobQueue.Maps;
using System.Runtime.CompilerServices;

namespace JobQueue;

/// <summary>
/// The task running now, inside a function on a worker: <c>TaskContext.Current.Random.NextDouble()</c>. Its random
/// stream depends only on the cluster's seed and the item's key, never on which worker runs it or when.
/// </summary>
public sealed class TaskContext
{
    private static readonly AsyncLocal<StrongBox<TaskContext?>> CurrentSlot = new();

    private readonly ITaskCancellation _cancellation;
    private readonly WorkerValues _values;
    private readonly ulong _taskId;
    private readonly ulong _seed;
    private CancellationTokenSource? _source;
    private TaskRandom? _random;

    internal TaskContext(TaskKey key, string workerName, ulong seed, ulong taskId, ITaskCancellation cancellation, WorkerValues values)
    {
        _values = values;
        Key = key;
        WorkerName = workerName;
        _seed = seed;
        _taskId = taskId;
        _cancellation = cancellation;
    }

    /// <summary>The task that the calling code runs in.</summary>
    /// <exception cref="InvalidOperationException">Not inside a function running on a worker.</exception>
    public static TaskContext Current => CurrentSlot.Value?.Value
        ?? throw new InvalidOperationException(
            "TaskContext.Current exists only inside a function running on a worker (Map, Submit, MapPartitions); to run one item here, use new TaskRandom(cluster.Seed, key) for its random stream.");

    public TaskKey Key { get; }

    /// <summary>The name of the worker running the task, e.g. <c>chem-3-1</c>.</summary>
    public string WorkerName { get; }

    /// <summary>Signalled when the task is cancelled (<c>future.Cancel()</c>, the map's token) or its worker shuts down.</summary>
    public CancellationToken CancellationToken => (_source ??= _cancellation.Track(_taskId)).Token;

    /// <summary>
    /// This item's own random stream: a <see cref="TaskRandom"/> seeded from <see cref="Cluster.Seed"/> and
    /// <see cref="Key"/>, the same on every run with that seed and different for every item.
    /// </summary>
    public Random Random => _random ??= new TaskRandom(_seed, Key);

    /// <summary>
    /// The value this worker keeps under <paramref name="key"/>, made by <paramref name="create"/> the first time any
    /// task of this code version asks (only once, however many threads ask at the same moment; a creation that throws
    /// is tried again by the next task): load a model once per worker rather than once per task. The worker disposes
    /// the value (<see cref="IDisposable"/>, <see cref="IAsyncDisposable"/>) when it ends. Another build of your code
    /// gets values of its own.
    /// </summary>
    /// <exception cref="InvalidOperationException">The key holds a value of another type.</exception>
    public T GetOrCreate<T>(string key, Func<T> create)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(create);
        return _values.GetOrCreate(key, create);
    }

    internal bool CancellationRequested => _source?.IsCancellationRequested == true;

    /// <summary>Makes the calling flow (one worker thread's loop) able to show a current task; returns where to put it.</summary>
    internal static StrongBox<TaskContext?> Enter()
    {
        var slot = new StrongBox<TaskContext?>();
        CurrentSlot.Value = slot;
        return slot;
    }

    /// <summary>Stops tracking the task's cancellation, once it ended.</summary>
    internal void End()
    {
        if (_source is not null)
        {
            _cancellation.Untrack(_taskId);
            _source.Dispose();
        }
    }
}

/// <summary>What a worker does for a task whose cancellation token is asked for: a source the coordinator's cancel message reaches.</summary>
internal interface ITaskCancellation
{
    CancellationTokenSource Track(ulong taskId);

    void Untrack(ulong taskId);
}
