using System.Collections;

namespace JobQueue;

/// <summary>The futures of a <c>Map</c>, one per item, in the items' order.</summary>
public sealed class MapResult<T> : IReadOnlyList<Future<T>>
{
    private readonly Future<T>[] _futures;

    internal MapResult(Future<T>[] futures) => _futures = futures;

    public int Count => _futures.Length;

    public Future<T> this[int index] => _futures[index];

    public IEnumerator<Future<T>> GetEnumerator() => ((IEnumerable<Future<T>>)_futures).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _futures.GetEnumerator();
}

/// <summary>Settings of one <c>Map</c> or <c>Submit</c>.</summary>
public sealed record MapOptions
{
    /// <summary>
    /// How many workers may die while running one task before it fails with <see cref="WorkerLostException"/>
    /// (dask's allowed-failures). <value>The default is 3.</value>
    /// </summary>
    public int AllowedFailures { get; init; } = 3;
}

/// <summary>What <c>Gather</c> does when tasks fail.</summary>
public enum GatherErrors
{
    /// <summary>Throw the first failure as soon as it happens.</summary>
    Raise,

    /// <summary>Wait for every task, then throw an <see cref="AggregateException"/> holding every failure.</summary>
    CollectAll,
}
