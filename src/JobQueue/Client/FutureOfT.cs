using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using JobQueue.Checkpoints;
using JobQueue.Serialization;

namespace JobQueue;

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

    // Set once: the result is in its map, still encoded (a Submit's); the future was looked at. Decoded when both are.
    private int _keptEncoded;
    private int _lookedAt;

    internal override Task Completion => LookAt();

    public TaskAwaiter<T> GetAwaiter() => LookAt().GetAwaiter();

    /// <summary>The result as a task, for <c>Task.WhenAll</c> and friends.</summary>
    public Task<T> AsTask() => LookAt();

    /// <summary>The result is in its map still encoded: it is decoded when the future is looked at, never if it is only passed on as an argument.</summary>
    internal void ResultKeptEncoded()
    {
        if (Interlocked.Exchange(ref _keptEncoded, 1) == 0 && Volatile.Read(ref _lookedAt) == 1)
        {
            DecodeKept();
        }
    }

    private Task<T> LookAt()
    {
        if (Volatile.Read(ref _lookedAt) == 0 && Interlocked.Exchange(ref _lookedAt, 1) == 0 && Volatile.Read(ref _keptEncoded) == 1)
        {
            DecodeKept();
        }

        return _result.Task;
    }

    private void DecodeKept()
    {
        var (items, index) = Item!.Value;
        _ = ((MapItems<T>)items).TryDecodeKept(index, out var value, out var failure) ? _result.TrySetResult(value) : _result.TrySetException(failure);
    }

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
            StoreThenSet(value, decoded, checkpoint);
            return true;
        }

        return _result.TrySetResult(decoded);
    }

    // Apart from TrySetResult, whose every call would otherwise allocate this callback's closure.
    private void StoreThenSet(ReadOnlySpan<byte> value, T decoded, CheckpointEntry checkpoint) =>
        checkpoint.Store.Add(checkpoint.Key, value.ToArray(), failure => _ = failure is null ? _result.TrySetResult(decoded) : _result.TrySetException(failure));

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
