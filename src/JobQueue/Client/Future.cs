using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using JobQueue.Checkpoints;
using JobQueue.Coordination;
using JobQueue.Serialization;

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

/// <summary>A task whose result is a <typeparamref name="T"/>: <c>T value = await future;</c>.</summary>
public sealed class Future<T> : Future
{
    private readonly TaskCompletionSource<T> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal Future()
    {
    }

    /// <summary>The future of the item at <paramref name="index"/> of <paramref name="map"/>, which completes it.</summary>
    internal Future(IMapItems map, long index)
        : base(map, index)
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

        if (!TryDecode(value, out var decoded, out var failure))
        {
            return _result.TrySetException(failure);
        }

        if (Checkpoint is { } checkpoint)
        {
            checkpoint.Store.Add(checkpoint.Key, value.ToArray(), failure => _ = failure is null ? _result.TrySetResult(decoded) : _result.TrySetException(failure));
            return true;
        }

        return _result.TrySetResult(decoded);
    }

    /// <summary>Completes the future with a result already decoded.</summary>
    internal bool TrySetValue(T value) => _result.TrySetResult(value);

    /// <summary>Decodes a result; a value that cannot be decoded gives the <see cref="RemoteTaskException"/> its task fails with.</summary>
    internal static bool TryDecode(ReadOnlySpan<byte> value, out T decoded, [NotNullWhen(false)] out RemoteTaskException? failure)
    {
        try
        {
            decoded = ValueCodec.Decode<T>(value, TypeAllowlist.Client);
            failure = null;
            return true;
        }
        catch (Exception exception) when (ValueCodec.IsDecodingFailure(exception))
        {
            decoded = default!;
            failure = new RemoteTaskException(exception.GetType().FullName!, $"The result could not be decoded as {typeof(T).Name}: {exception.Message}", "");
            return false;
        }
    }

    internal override bool TrySetException(Exception exception) => _result.TrySetException(exception);

    internal override bool TrySetCancelled() => _result.TrySetCanceled();
}
