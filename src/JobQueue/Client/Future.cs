using JobQueue.Checkpoints;
using JobQueue.Coordination;

namespace JobQueue;

/// <summary>A task sent to the cluster. Await a <see cref="Future{T}"/> for its result.</summary>
public abstract class Future : ITaskOwner
{
    // A future of a map's item asks its map; one of its own (a stream's) holds its task once queued.
    private readonly IMapItems? _map;
    private readonly long _index;
    private Coordinator? _coordinator;
    private TaskRecord? _task;

    private protected Future()
    {
    }

    private protected Future(IMapItems map, long index) => (_map, _index) = (map, index);

    /// <summary>The task's id within its cluster; 0 until the task is queued (a stream's item not yet read).</summary>
    public ulong Id => _map?.IdOf(_index) ?? Volatile.Read(ref _task)?.Id ?? 0;

    public FutureStatus Status => Completion.Status switch
    {
        TaskStatus.RanToCompletion => FutureStatus.Finished,
        TaskStatus.Faulted => FutureStatus.Error,
        TaskStatus.Canceled => FutureStatus.Cancelled,
        _ => FutureStatus.Pending,
    };

    /// <summary>Why the task failed (<see cref="RemoteTaskException"/>, <see cref="WorkerLostException"/>), or null.</summary>
    public Exception? Exception => Completion.Exception?.InnerException;

    internal abstract Task Completion { get; }

    /// <summary>The map item this future is of, for a task that takes its result as an argument; null for a future of its own.</summary>
    internal (IMapItems Items, long Index)? Item => _map is null ? null : (_map, _index);

    /// <summary>Whether a worker holds the task now; read without the coordinator's lock, for counts that are a moment old anyway.</summary>
    internal bool IsOnWorker => _map?.IsOnWorker(_index) ?? Volatile.Read(ref _task)?.Worker is not null;

    /// <summary>Where the result is stored before the future completes; null without a checkpoint.</summary>
    internal CheckpointEntry? Checkpoint { get; set; }

    /// <summary>Cancels the task: a queued task never runs; a running one sees its cancellation token signalled.</summary>
    public void Cancel()
    {
        if (_map is not null)
        {
            _map.Cancel(_index);
            return;
        }

        // A future not yet queued has no coordinator: its submission skips it.
        if (Volatile.Read(ref _task) is not { } task || _coordinator!.Cancel(task))
        {
            TrySetCancelled();
        }
    }

    /// <summary>Makes <paramref name="task"/> the coordinator's record of this future, before it is queued.</summary>
    internal void Bind(Coordinator coordinator, TaskRecord task)
    {
        _coordinator = coordinator;
        Volatile.Write(ref _task, task);
    }

    /// <summary>Decodes and sets the result; false when the future had already completed.</summary>
    internal abstract bool TrySetResult(ReadOnlySpan<byte> value);

    internal abstract bool TrySetException(Exception exception);

    internal abstract bool TrySetCancelled();

    void ITaskOwner.SetResult(TaskRecord task, ReadOnlySpan<byte> value) => TrySetResult(value);

    void ITaskOwner.SetException(TaskRecord task, Exception exception) => TrySetException(exception);

    void ITaskOwner.SetCancelled(TaskRecord task) => TrySetCancelled();
}
