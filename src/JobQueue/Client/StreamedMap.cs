using System.Runtime.CompilerServices;
using JobQueue.Checkpoints;
using JobQueue.Coordination;

namespace JobQueue;

/// <summary>
/// The loop behind <c>Cluster.MapStream</c>: it reads the input only as far as the window of items in flight allows,
/// queues what it read on one streamed map of the coordinator, and yields the results in input order. Leaving the
/// loop (a break, a failure, a cancellation) cancels every item still queued or running.
/// </summary>
internal sealed class StreamedMap<T, TResult>(Coordinator coordinator, MapState map, MapOptions options, CheckpointedMap? checkpoint)
{
    // Items read, not yet yielded: the window, oldest first.
    private readonly Queue<Future<TResult>> _pending = new();

    // Items read since the last submission, and their futures.
    private readonly List<T> _read = [];
    private readonly List<Future> _readFutures = [];
    private long _submitted;

    public async IAsyncEnumerable<TResult> RunAsync(IAsyncEnumerable<T> items, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Cancelled on leaving, so that an input still waiting for its next item lets go.
        using var leaving = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var input = items.GetAsyncEnumerator(leaving.Token);
        Task<bool>? moving = null; // the input's next item, when it was not there at once
        var more = true;
        long yielded = 0;
        try
        {
            while (true)
            {
                if (more && moving is null)
                {
                    (more, moving) = ReadAvailable(input);
                }

                if (moving is { IsCompleted: true })
                {
                    more = await moving.ConfigureAwait(false);
                    moving = null;
                    if (more)
                    {
                        Add(input.Current);
                        Submit();
                    }

                    continue;
                }

                if (!_pending.TryPeek(out var head))
                {
                    if (moving is null)
                    {
                        yield break;
                    }

                    await moving.WaitAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (!head.Completion.IsCompleted)
                {
                    // Whichever comes first: the oldest result, or an input item to send while it runs.
                    await Task.WhenAny(head.Completion, moving ?? head.Completion).WaitAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }

                _ = _pending.Dequeue(); // head, a future: awaitable, not awaited here
                yield return ResultOf(head, yielded++);
            }
        }
        finally
        {
            foreach (var future in _pending)
            {
                future.Cancel();
            }

            await leaving.CancelAsync().ConfigureAwait(false);
            if (moving is not null)
            {
                await Task.WhenAny(moving).ConfigureAwait(false); // its outcome no longer matters, only that it ended
            }

            await input.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Reads the items the input has at once, up to the window, and submits them; returns whether the input may have
    /// more, and its next item's read when that did not complete at once.
    /// </summary>
    private (bool More, Task<bool>? Moving) ReadAvailable(IAsyncEnumerator<T> input)
    {
        var window = options.MaxInFlight ?? coordinator.ItemsToKeepBusy(map);

        // Refilled by a good share of the window at once (or when empty), so that the map's partitions stay full.
        if (_pending.Count > 0 && window - _pending.Count < Math.Max(1, window / 8))
        {
            return (true, null);
        }

        try
        {
            while (_pending.Count < window)
            {
                var next = input.MoveNextAsync();
                if (!next.IsCompleted)
                {
                    return (true, next.AsTask());
                }

                if (!next.GetAwaiter().GetResult())
                {
                    return (false, null);
                }

                Add(input.Current);
            }

            return (true, null);
        }
        finally
        {
            Submit();
        }
    }

    private void Add(T item)
    {
        if (_submitted + _read.Count >= int.MaxValue)
        {
            throw new InvalidOperationException($"MapStream takes at most {int.MaxValue:N0} items; split the input into several streams.");
        }

        var future = new Future<TResult>();
        _read.Add(item);
        _readFutures.Add(future);
        _pending.Enqueue(future);
    }

    private void Submit()
    {
        if (_read.Count == 0)
        {
            return;
        }

        var tasks = MapSubmission.Prepare(coordinator, map, _read, 0, _read.Count, _submitted, new FutureSlots(_readFutures, _submitted), checkpoint);
        _submitted += _read.Count;
        _read.Clear();
        _readFutures.Clear();
        coordinator.Submit(tasks);
    }

    /// <summary>The result of the item at <paramref name="index"/>; a task's failure names the item.</summary>
    private static TResult ResultOf(Future<TResult> future, long index)
    {
        if (future.Exception is RemoteTaskException failure)
        {
            throw new RemoteTaskException(failure.RemoteType, $"Item {index} of the stream failed: {failure.Message}", failure.RemoteStackTrace);
        }

        return future.GetAwaiter().GetResult();
    }
}

/// <summary>Items that each have a <see cref="Future"/> of their own, the first of them at <paramref name="firstIndex"/> of the map.</summary>
internal sealed class FutureSlots(IReadOnlyList<Future> futures, long firstIndex) : IItemSlots
{
    public bool IsDecided(long index) => At(index).Completion.IsCompleted;

    public void SetCheckpoint(long index, CheckpointEntry? entry) => At(index).Checkpoint = entry;

    public void Resume(long index, byte[] stored) => At(index).TrySetResult(stored);

    public ITaskOwner OwnerOf(long index) => At(index);

    public void Queued(long index, Coordinator coordinator, TaskRecord task) => At(index).Bind(coordinator, task);

    private Future At(long index) => futures[(int)(index - firstIndex)];
}
