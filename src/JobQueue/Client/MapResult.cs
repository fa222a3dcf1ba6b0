using System.Collections;
using JobQueue.Maps;

namespace JobQueue;

/// <summary>
/// The futures of a <c>Map</c>, one per item, in the items' order. The map keeps each item's state and result
/// compactly; a <see cref="Future{T}"/> is made when you look at an item (a pending item keeps the one made until it
/// is decided), so a map of millions of items costs a few bytes per item beyond its results.
/// </summary>
public sealed class MapResult<T> : IReadOnlyList<Future<T>>, IMapCounts
{
    private readonly MapItems<T> _items;
    private readonly MapStatistics _statistics;

    internal MapResult(MapItems<T> items, MapStatistics statistics)
    {
        _items = items;
        _statistics = statistics;
    }

    /// <summary>Where the map's time went, once it finished: compute on the workers, overhead, partitions. Print it.</summary>
    public MapProfile Profile => _statistics.Snapshot();

    internal MapStatistics Statistics => _statistics;

    internal MapItems<T> Items => _items;

    public int Count => _items.Count;

    public Future<T> this[int index] => _items.FutureAt(index);

    public IEnumerator<Future<T>> GetEnumerator()
    {
        for (var index = 0; index < _items.Count; index++)
        {
            yield return _items.FutureAt(index);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>How many of the tasks are done, running, queued and failed, now.</summary>
    public MapCounts Counts => _items.Counts;

    /// <summary>The counts, e.g. <c>MapResult&lt;Int32&gt;: 10 tasks: 7 done, 1 running, 2 queued, 0 failed</c> (not the futures one by one).</summary>
    public override string ToString() => $"MapResult<{typeof(T).Name}>: {Counts}";
}
