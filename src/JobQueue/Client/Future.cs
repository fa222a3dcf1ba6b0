using System.Runtime.CompilerServices;
using JobQueue.Checkpoints;
using JobQueue.Coordination;
using JobQueue.Execution.Serialization;

namespace JobQueue;

/// <summary>Where a <see cref="Future{T}"/> stands.</summary>
public enum FutureStatus
{
    /// <summary>Queued or running.</summary>
    Pending,

    /// <summary>The result arrived.</summary>
    Finished,

    /// <summary>The task threw, or its workers kept dying; see <see cref="Future.Exception"/>.</summary>
    Error,

    /// <summary>Cancelled before a result arrived.</summary>
    Cancelled,
}

/// <summary>A task sent to the cluster. Await a <see cref="Future{T}"/> for its result.</summary>
public abstract class Future
{
    private Coordinator? _coordinator;

    private protected Future()
    {
    }

    /// <summary>The task's id within its cluster.</summary>
    public ulong Id { get; private set; }

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

    // Scheduling state, guarded by the coordinator's lock.
    internal MapState? Map { get; private set; }
    internal byte[] Argument { get; private set; } = [];
    internal WorkerSession? Worker { get; set; }
    internal List<string>? LostWorkers { get; set; }

    /// <summary>Where the result is stored before the future completes; null without a checkpoint.</summary>
    internal CheckpointEntry? Checkpoint { get; set; }

    /// <summary>The item's position in its map.</summary>
    internal long Index => (long)(Id - Map!.FirstTaskId);

    /// <summary>Cancels the task: a queued task never runs; a running one sees its cancellation token signalled.</summary>
    public void Cancel()
    {
        // A future of a chunk not yet sent (MapOptions.ChunkSize) has no coordinator: its chunk skips it.
        if (_coordinator is { } coordinator)
        {
            coordinator.Cancel(this);
        }
        else
        {
            TrySetCancelled();
        }
    }

    internal void Bind(Coordinator coordinator, MapState map, long index, byte[] argument)
    {
        _coordinator = coordinator;
        Map = map;
        Id = map.FirstTaskId + (ulong)index;
        Argument = argument;
    }

    /// <summary>Decodes and sets the result; false when the future had already completed.</summary>
    internal abstract bool TrySetResult(ReadOnlySpan<byte> value);

    internal abstract bool TrySetException(Exception exception);

    internal abstract bool TrySetCancelled();
}

/// <summary>A task whose result is a <typeparamref name="T"/>: <c>T value = await future;</c>.</summary>
public sealed class Future<T> : Future
{
    private readonly TaskCompletionSource<T> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal Future()
    {
    }

    internal override Task Completion => _result.Task;

    public TaskAwaiter<T> GetAwaiter() => _result.Task.GetAwaiter();

    /// <summary>The result as a task, for <c>Task.WhenAll</c> and friends.</summary>
    public Task<T> AsTask() => _result.Task;

    internal override bool TrySetResult(ReadOnlySpan<byte> value)
    {
        if (_result.Task.IsCompleted)
        {
            return false;
        }

        T decoded;
        try
        {
            decoded = ValueCodec.Decode<T>(value, TypeAllowlist.Client);
        }
        catch (Exception exception) when (ValueCodec.IsDecodingFailure(exception))
        {
            return _result.TrySetException(new RemoteTaskException(exception.GetType().FullName!, $"The result could not be decoded as {typeof(T).Name}: {exception.Message}", ""));
        }

        if (Checkpoint is { } checkpoint)
        {
            checkpoint.Store.Add(checkpoint.Key, value.ToArray(), failure => _ = failure is null ? _result.TrySetResult(decoded) : _result.TrySetException(failure));
            return true;
        }

        return _result.TrySetResult(decoded);
    }

    internal override bool TrySetException(Exception exception) => _result.TrySetException(exception);

    internal override bool TrySetCancelled() => _result.TrySetCanceled();
}
