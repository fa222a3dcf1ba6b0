using JobQueue.Serialization;

namespace JobQueue;

/// <summary>One argument of a task that may wait for others: its encoded value, or the map item whose result it will be.</summary>
internal readonly record struct TaskInput(byte[]? Value, IMapItems? Items, long Index)
{
    /// <exception cref="ArgumentException">The value cannot be sent to workers.</exception>
    public static TaskInput Of<T>(T value, int position)
    {
        try
        {
            return new TaskInput(ValueCodec.Encode(value, TypeAllowlist.Client, $"argument {position}"), null, 0);
        }
        catch (UnsupportedValueException exception)
        {
            throw new ArgumentException($"Argument {position} cannot be sent to workers: {exception.Message}.", $"argument{position}", exception);
        }
    }

    /// <exception cref="ArgumentException">The future is not of a <c>Submit</c> or <c>Map</c> item.</exception>
    public static TaskInput Of<T>(Future<T> future, int position)
    {
        ArgumentNullException.ThrowIfNull(future);
        return future.Item is var (items, index)
            ? new TaskInput(null, items, index)
            : throw new ArgumentException($"Argument {position} is a future of a MapStream or RunOnEachWorker item; only futures of Submit and Map can be arguments.", $"argument{position}");
    }
}
