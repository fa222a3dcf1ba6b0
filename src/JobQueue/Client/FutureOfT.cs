using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
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
