using System.Collections;
using JobQueue.Maps;

namespace JobQueue;

/// <summary>The futures of a <c>Map</c>, one per item, in the items' order.</summary>
public sealed class MapResult<T> : IReadOnlyList<Future<T>>
{
    private readonly Future<T>[] _futures;
    private readonly MapStatistics _statistics;

    internal MapResult(Future<T>[] futures, MapStatistics statistics)
    {
        _futures = futures;
        _statistics = statistics;
    }

    /// <summary>Where the map's time went, once it finished: compute on the workers, overhead, partitions. Print it.</summary>
    public MapProfile Profile => _statistics.Snapshot();

    internal MapStatistics Statistics => _statistics;

    public int Count => _futures.Length;

    public Future<T> this[int index] => _futures[index];

    public IEnumerator<Future<T>> GetEnumerator() => ((IEnumerable<Future<T>>)_futures).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _futures.GetEnumerator();

    /// <summary>How many of the tasks are done, running, queued and failed, now.</summary>
    public MapCounts Counts => MapCounts.Of(_futures);

    /// <summary>The counts, e.g. <c>MapResult&lt;Int32&gt;: 10 tasks: 7 done, 1 running, 2 queued, 0 failed</c> (not the futures one by one).</summary>
    public override string ToString() => $"MapResult<{typeof(T).Name}>: {Counts}";
}
