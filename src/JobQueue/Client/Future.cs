using JobQueue.Checkpoints;
using JobQueue.Coordination;

namespace JobQueue;

/// <summary>A task sent to the cluster. Await a <see cref="Future{T}"/> for its result.</summary>
public abstract class Future
{
    private Coordinator? _coordinator;
    private TaskRecord? _task;

    private protected Future()
    {
    }

    /// <summary>The task's id within its cluster; 0 until the task is queued (a later chunk of a map, <see cref="MapOptions.ChunkSize"/>).</summary>
    public ulong Id => Volatile.Read(ref _task)?.Id ?? 0;

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

    /// <summary>Whether a worker holds the task now; read without the coordinator's lock, for counts that are a moment old anyway.</summary>
    internal bool IsOnWorker => Volatile.Read(ref _task)?.Worker is not null;

    /// <summary>Where the result is stored before the future completes; null without a checkpoint.</summary>
    internal CheckpointEntry? Checkpoint { get; set; }

    /// <summary>Cancels the task: a queued task never runs; a running one sees its cancellation token signalled.</summary>
    public void Cancel()
    {
        // A future of a chunk not yet sent (MapOptions.ChunkSize) has no coordinator: its chunk skips it.
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
}
