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
