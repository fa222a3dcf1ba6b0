using JobQueue.Protocol;
using JobQueue.Shipping;

namespace JobQueue;

/// <summary>
/// A value sent to the workers once, by content, from <see cref="Cluster.Scatter{T}"/>. Capture the handle in your
/// functions instead of the value: each worker fetches it when a task first needs it and keeps it for every later task.
/// </summary>
/// <typeparam name="T">The value's type: data the workers can receive (numbers, strings, arrays, collections, records).</typeparam>
public sealed class Scattered<T> : IScattered
{
    private readonly ShippedFile _content;

    internal Scattered(T value, ShippedFile content)
    {
        Value = value;
        _content = content;
    }

    /// <summary>The value: the caller's own object here, the worker's copy on a worker.</summary>
    public T Value { get; }

    /// <summary>Size of the value as sent, in bytes.</summary>
    public long Size => (long)_content.Size;

    ShippedFile IScattered.Content => _content;

    /// <inheritdoc />
    public override string ToString() => $"Scattered<{typeof(T).Name}>({Size} bytes)";
}
