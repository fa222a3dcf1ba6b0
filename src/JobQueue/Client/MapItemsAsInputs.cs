using System.Diagnostics.CodeAnalysis;
using JobQueue.Serialization;

namespace JobQueue;

/// <summary>
/// A map's items as the inputs of other tasks (<see cref="DependentTasks"/>): who is told as each is decided, where
/// each stands, and its result still encoded; a result kept encoded is decoded here only when the user looks at it.
/// </summary>
internal sealed partial class MapItems<TResult>
{
    /// <summary>Calls <paramref name="listener"/>, outside the lock, with the index of each item decided from now on.</summary>
    public void WhenDecided(Action<long> listener)
    {
        lock (_gate)
        {
            _itemDecided += listener;
        }
    }

    /// <summary>Where the item stands, for a task that takes its result as an argument; <paramref name="error"/> when it failed or was cancelled.</summary>
    public InputState InputStateOf(long index, out Exception? error)
    {
        lock (_gate)
        {
            error = _errors?.GetValueOrDefault(index);
            return _states[index] switch
            {
                ItemState.Finished => InputState.Finished,
                ItemState.Failed or ItemState.Cancelled => InputState.Failed,
                _ => InputState.Pending,
            };
        }
    }

    /// <summary>
    /// A finished item's result as the worker encoded it, for a task that takes it as an argument: the bytes kept (never
    /// decoded here), or, when the result had been decoded already, the value encoded again.
    /// </summary>
    public byte[] EncodedResultOf(long index)
    {
        TResult value;
        lock (_gate)
        {
            if (_encoded?[index] is { } kept)
            {
                return kept;
            }

            value = _results[index];
        }

        return ValueCodec.Encode(value, TypeAllowlist.Client, "result");
    }

    /// <summary>The result of a finished item kept encoded, decoded now (once); false with the failure when it cannot be decoded, which fails the item.</summary>
    public bool TryDecodeKept(long index, out TResult value, [NotNullWhen(false)] out Exception? failure)
    {
        lock (_gate)
        {
            return DecodeKeptLocked(index, out value, out failure);
        }
    }

    private bool DecodeKeptLocked(long index, out TResult value, [NotNullWhen(false)] out Exception? failure)
    {
        if (_encoded?[index] is { } kept)
        {
            _encoded[index] = null;
            Interlocked.Increment(ref _decoded);
            if (!Future<TResult>.TryDecode(kept, out _results[index], out var undecodable))
            {
                (_states[index], Errors[index], _firstFailure) = (ItemState.Failed, undecodable, Math.Min(_firstFailure, index));
                (_finished, _failed) = (_finished - 1, _failed + 1);
            }
        }

        value = _results[index];
        failure = _errors?.GetValueOrDefault(index);
        return failure is null;
    }
}
