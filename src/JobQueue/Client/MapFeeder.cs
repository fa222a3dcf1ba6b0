using JobQueue.Checkpoints;
using JobQueue.Coordination;

namespace JobQueue;

/// <summary>
/// Sends a map's items to the coordinator a window at a time, so that only the items in flight have encoded
/// arguments and task records: enough to keep every worker thread busy with full partitions, refilled as results
/// come back. With <see cref="MapOptions.ChunkSize"/>, the window is a chunk, sent once the previous one has finished.
/// The first window leaves from <c>Map</c> itself, so an item there that cannot be sent throws at the call; a later
/// one that cannot be sent fails the items not yet sent.
/// </summary>
internal sealed class MapFeeder<T, TResult>
{
    private readonly Coordinator _coordinator;
    private readonly IReadOnlyList<T> _items;
    private readonly MapItems<TResult> _slots;
    private readonly CheckpointedMap? _checkpoint;
    private readonly int? _chunkSize;
    private readonly Lock _gate = new();
    private int _next;
    private int _refillAt;
    private bool _feeding;

    private MapFeeder(Coordinator coordinator, IReadOnlyList<T> items, MapItems<TResult> slots, CheckpointedMap? checkpoint, int? chunkSize)
    {
        (_coordinator, _items, _slots, _checkpoint, _chunkSize) = (coordinator, items, slots, checkpoint, chunkSize);
        slots.Decided = OnDecided;
    }

    /// <summary>Sends the first window of <paramref name="slots"/>'s items now, and the rest as room frees up.</summary>
    /// <exception cref="ArgumentException">An item of the first window cannot be sent to workers.</exception>
    public static void Start(Coordinator coordinator, IReadOnlyList<T> items, MapItems<TResult> slots, CheckpointedMap? checkpoint, int? chunkSize)
    {
        var feeder = new MapFeeder<T, TResult>(coordinator, items, slots, checkpoint, chunkSize) { _feeding = true };
        try
        {
            feeder.Feed();
        }
        catch
        {
            feeder._slots.Decided = null;
            throw;
        }

        feeder.FinishFeeding();
    }

    private bool NeedsFeeding => Volatile.Read(ref _next) < _items.Count && _slots.InFlight <= Volatile.Read(ref _refillAt);

    private void OnDecided()
    {
        if (!NeedsFeeding)
        {
            return;
        }

        lock (_gate)
        {
            if (_feeding)
            {
                return;
            }

            _feeding = true;
        }

        // Off the thread that decided the item: encoding the next window must not hold up the results.
        _ = Task.Run(FeedInBackground);
    }

    private void FeedInBackground()
    {
        try
        {
            Feed();
        }
        catch (Exception exception) when (exception is ArgumentException or ObjectDisposedException or CheckpointException)
        {
            // Nobody waits on this loop: the items not yet sent carry the error.
            _slots.FailUnsent(exception);
            return;
        }

        FinishFeeding();
    }

    // Feeds again if items were decided while the last window left; else lets the next decision start a feed.
    private void FinishFeeding()
    {
        lock (_gate)
        {
            if (!NeedsFeeding)
            {
                _feeding = false;
                return;
            }
        }

        _ = Task.Run(FeedInBackground);
    }

    // Sends items until the window is full; items resumed from the checkpoint or cancelled take no room.
    private void Feed()
    {
        var window = _chunkSize ?? _coordinator.ItemsToKeepBusy(_slots.Map);
        Volatile.Write(ref _refillAt, _chunkSize is null ? window - Math.Max(1, window / 8) : 0);
        while (_next < _items.Count && _slots.InFlight < window)
        {
            var count = Math.Min(window - _slots.InFlight, _items.Count - _next);
            var tasks = MapSubmission.Prepare(_coordinator, _slots.Map, _items, _next, count, 0, _slots, _checkpoint);
            Volatile.Write(ref _next, _next + count);
            try
            {
                _coordinator.Submit(tasks);
            }
            catch (ObjectDisposedException exception)
            {
                tasks.ForEach(task => ((ITaskOwner)_slots).SetException(task, exception));
                throw;
            }
        }
    }
}
