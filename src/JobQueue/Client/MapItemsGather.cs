namespace JobQueue;

/// <summary>A map's results gathered in order, and its failures in the order awaiting its futures one by one would meet them.</summary>
internal sealed partial class MapItems<TResult>
{
    /// <summary>
    /// The results, in order, once every item is decided; with <see cref="GatherErrors.Raise"/>, the first failure in
    /// the items' order as soon as every item before it is decided (what awaiting the futures in order meets first).
    /// </summary>
    public async Task<TResult[]> GatherAsync(GatherErrors errors, CancellationToken cancellationToken)
    {
        await Task.WhenAny(Ended, errors == GatherErrors.Raise ? _failedOnce.Task : Ended).WaitAsync(cancellationToken).ConfigureAwait(false);
        while (errors == GatherErrors.Raise && !Ended.IsCompleted && UndecidedBeforeFirstFailure() is { Count: > 0 } earlier)
        {
            // An earlier failure, if one of them fails, becomes the first.
            await Task.WhenAll(earlier).ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default)
                .WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        lock (_gate)
        {
            for (var index = 0; _encoded is not null && index < Count; index++)
            {
                DecodeKeptLocked(index, out _, out _);
            }

            if (_failed == 0)
            {
                return (TResult[])_results.Clone();
            }

            if (errors == GatherErrors.Raise)
            {
                throw Errors[_firstFailure];
            }

            var failures = Enumerable.Range(0, Count).Where(index => _states[index] is ItemState.Failed or ItemState.Cancelled).Select(index => Errors[index]);
            throw new AggregateException("Some tasks failed.", failures);
        }
    }

    // The items before the first failure still to be decided; the whole map when some were not even sent (an item
    // cancelled before its turn), rather than a future for each of those.
    private List<Task> UndecidedBeforeFirstFailure()
    {
        List<long> undecided;
        lock (_gate)
        {
            if (Array.IndexOf(_states, ItemState.Unsent, 0, (int)_firstFailure) >= 0)
            {
                return [Ended];
            }

            undecided = [.. _sent.Keys.Where(index => index < _firstFailure)];
        }

        return [.. undecided.Select(index => FutureAt((int)index).Completion)];
    }
}
