using JobQueue.Checkpoints;
using JobQueue.Coordination;

namespace JobQueue;

/// <summary>
/// Where the items of one <c>Map</c> stand, compactly: a state byte and a result slot per item, the errors by index,
/// and for the items sent and not yet decided (a bounded window, see <see cref="MapFeeder{T, TResult}"/>) their task
/// records and checkpoint entries. A <see cref="Future{T}"/> exists only for an item the user looks at: a pending one
/// is kept until its item is decided, a decided one is made again on each look. A <c>Submit</c>'s item keeps its
/// result encoded until the user looks at it (<c>keepEncoded</c>): passed on as another task's argument, it is never decoded here.
/// </summary>
internal sealed partial class MapItems<TResult> : ITaskOwner, IItemSlots, IMapItems
{
    private readonly Lock _gate = new();
    private readonly ItemState[] _states;
    private readonly TResult[] _results;
    private readonly Dictionary<long, Future<TResult>> _watched = [];
    private readonly Dictionary<long, TaskRecord> _sent = [];
    // Made on first use: most maps, and every Submit (a map of one), have no failure and no checkpoint.
    private Dictionary<long, Exception>? _errors;
    private Dictionary<long, CheckpointEntry>? _checkpoints;
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _failedOnce = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly byte[]?[]? _encoded;
    private Action<long>? _itemDecided;
    private Coordinator? _coordinator;
    private long _decoded;
    private int _finished;
    private int _failed;
    private long _firstFailure = long.MaxValue;

    /// <param name="map">The coordinator's view of the map.</param>
    /// <param name="count">How many items it has.</param>
    /// <param name="keepEncoded">Keep each result as the worker encoded it until it is looked at (or taken as another task's argument).</param>
    public MapItems(MapState map, int count, bool keepEncoded = false)
    {
        Map = map;
        _states = new ItemState[count];
        _results = new TResult[count];
        _encoded = keepEncoded ? new byte[count][] : null;
        if (count == 0)
        {
            _ended.SetResult();
        }
    }

    private Dictionary<long, Exception> Errors => _errors ??= [];

    private enum ItemState : byte
    {
        Unsent,
        Sent,
        Finished,
        Failed,
        Cancelled,
    }

    public MapState Map { get; }

    public int Count => _states.Length;

    /// <summary>Completes once every item is decided.</summary>
    public Task Ended => _ended.Task;

    /// <summary>Told, outside the lock, whenever an item is decided: the window has room.</summary>
    public Action? Decided { get; set; }

    /// <summary>Results decoded here so far: a diagnostic counter (tests show that results passed on as arguments are not).</summary>
    public long ResultsDecoded => Interlocked.Read(ref _decoded);

    /// <summary>The coordinator the items went to; null until one was sent.</summary>
    public Coordinator? Coordinator
    {
        get
        {
            lock (_gate)
            {
                return _coordinator;
            }
        }
    }

    /// <summary>Items sent to the coordinator and not yet decided.</summary>
    public int InFlight
    {
        get
        {
            lock (_gate)
            {
                return _sent.Count;
            }
        }
    }

    public MapCounts Counts
    {
        get
        {
            lock (_gate)
            {
                var running = _sent.Values.Count(task => task.Worker is not null);
                return new MapCounts(_finished, running, Count - _finished - _failed - running, _failed);
            }
        }
    }

    /// <summary>The future of the item at <paramref name="index"/>.</summary>
    public Future<TResult> FutureAt(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        var future = new Future<TResult>(this, index);
        lock (_gate)
        {
            switch (_states[index])
            {
                case ItemState.Finished when _encoded is { } kept && kept[index] is not null:
                    future.ResultKeptEncoded();
                    break;
                case ItemState.Finished:
                    future.TrySetValue(_results[index]);
                    break;
                case ItemState.Failed:
                    future.TrySetException(Errors[index]);
                    break;
                case ItemState.Cancelled:
                    future.TrySetCancelled();
                    break;
                default:
                    if (_watched.TryGetValue(index, out var watched))
                    {
                        return watched;
                    }

                    _watched[index] = future;
                    break;
            }
        }

        return future;
    }

    public bool IsDecided(long index)
    {
        lock (_gate)
        {
            return _states[index] >= ItemState.Finished;
        }
    }

    public void SetCheckpoint(long index, CheckpointEntry? entry)
    {
        lock (_gate)
        {
            if (entry is null)
            {
                _checkpoints?.Remove(index);
            }
            else
            {
                (_checkpoints ??= [])[index] = entry;
            }
        }
    }

    public void Resume(long index, byte[] stored) => Complete(index, stored, checkpoint: null);

    public ITaskOwner OwnerOf(long index) => this;

    public void Queued(long index, Coordinator coordinator, TaskRecord task)
    {
        lock (_gate)
        {
            _coordinator = coordinator;
            if (_states[index] >= ItemState.Finished)
            {
                return; // cancelled meanwhile: its result, if any, is ignored
            }

            _states[index] = ItemState.Sent;
            _sent[index] = task;
        }
    }

    public ulong IdOf(long index) => Map.FirstTaskId + (ulong)index;

    public bool IsOnWorker(long index)
    {
        lock (_gate)
        {
            return _sent.TryGetValue(index, out var task) && task.Worker is not null;
        }
    }

    public void Cancel(long index)
    {
        TaskRecord? task;
        Coordinator? coordinator;
        lock (_gate)
        {
            (task, coordinator) = (_sent.GetValueOrDefault(index), _coordinator);
        }

        // An item not sent yet is skipped by its feeder; a sent one only if the coordinator had not decided it.
        if (task is null || coordinator!.Cancel(task))
        {
            Decide(index, ItemState.Cancelled, default!, null);
        }
    }

    /// <summary>Cancels every item not yet decided.</summary>
    public void CancelAll()
    {
        // Last first: the items not yet sent are decided before the feeder, woken by each decision, reaches them.
        for (var index = Count - 1; index >= 0; index--)
        {
            if (!IsDecided(index))
            {
                Cancel(index);
            }
        }
    }

    /// <summary>Fails every item not yet sent nor decided, which its feeder could not send.</summary>
    public void FailUnsent(Exception exception)
    {
        for (var index = 0; index < Count; index++)
        {
            bool unsent;
            lock (_gate)
            {
                unsent = _states[index] == ItemState.Unsent;
            }

            if (unsent)
            {
                Decide(index, ItemState.Failed, default!, exception);
            }
        }
    }

    void ITaskOwner.SetResult(TaskRecord task, ReadOnlySpan<byte> value)
    {
        CheckpointEntry? checkpoint = null;
        lock (_gate)
        {
            if (_states[task.Index] >= ItemState.Finished)
            {
                return;
            }

            _checkpoints?.Remove(task.Index, out checkpoint);
        }

        Complete(task.Index, value, checkpoint);
    }

    void ITaskOwner.SetException(TaskRecord task, Exception exception) => Decide(task.Index, ItemState.Failed, default!, exception);

    void ITaskOwner.SetCancelled(TaskRecord task) => Decide(task.Index, ItemState.Cancelled, default!, null);

    // Decodes (or keeps encoded), stores in the checkpoint when there is one, then decides.
    private void Complete(long index, ReadOnlySpan<byte> value, CheckpointEntry? checkpoint)
    {
        if (_encoded is not null && checkpoint is null)
        {
            Decide(index, ItemState.Finished, default!, null, value.ToArray());
            return;
        }

        Interlocked.Increment(ref _decoded);
        if (!Future<TResult>.TryDecode(value, out var decoded, out var failure))
        {
            Decide(index, ItemState.Failed, default!, failure);
        }
        else if (checkpoint is null)
        {
            Decide(index, ItemState.Finished, decoded, null);
        }
        else
        {
            StoreThenDecide(index, value, decoded, checkpoint);
        }
    }

    // Apart from Complete, whose every call would otherwise allocate this callback's closure.
    private void StoreThenDecide(long index, ReadOnlySpan<byte> value, TResult decoded, CheckpointEntry checkpoint) =>
        checkpoint.Store.Add(checkpoint.Key, value.ToArray(), stored => Decide(index, stored is null ? ItemState.Finished : ItemState.Failed, decoded, stored));

    private void Decide(long index, ItemState state, TResult value, Exception? exception, byte[]? encoded = null)
    {
        Action<long>? itemDecided;
        Future<TResult>? watched;
        bool ended;
        lock (_gate)
        {
            if (_states[index] >= ItemState.Finished)
            {
                return;
            }

            _states[index] = state;
            if (state == ItemState.Finished)
            {
                if (encoded is null)
                {
                    _results[index] = value;
                }
                else
                {
                    _encoded![index] = encoded;
                }

                _finished++;
            }
            else
            {
                Errors[index] = exception ?? new TaskCanceledException();
                _firstFailure = Math.Min(_firstFailure, index);
                _failed++;
            }

            _sent.Remove(index);
            _checkpoints?.Remove(index);
            _watched.Remove(index, out watched);
            ended = _finished + _failed == Count;
            itemDecided = _itemDecided;
        }

        if (state != ItemState.Finished)
        {
            _failedOnce.TrySetResult();
        }

        if (encoded is not null)
        {
            watched?.ResultKeptEncoded();
        }
        else
        {
            _ = state switch
            {
                ItemState.Finished => watched?.TrySetValue(value),
                ItemState.Failed => watched?.TrySetException(exception!),
                _ => watched?.TrySetCancelled(),
            };
        }
        if (ended)
        {
            _ended.TrySetResult();
        }

        itemDecided?.Invoke(index);
        Decided?.Invoke();
    }
}
