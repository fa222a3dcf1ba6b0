using System.Runtime.CompilerServices;
using JobQueue.Maps;

namespace JobQueue;

/// <summary>The combined result of <c>Cluster.MapPartitions</c>: <c>var total = await cluster.MapPartitions(...)</c>.</summary>
public sealed class CombinedResult<T>
{
    private readonly Task<T> _result;
    private readonly MapStatistics _statistics;

    internal CombinedResult(Task<T> result, MapStatistics statistics)
    {
        _result = result;
        _statistics = statistics;
    }

    /// <summary>Where the time went, once the combine step finished: compute on the workers, splitting, transfer, combining.</summary>
    public MapProfile Profile => _statistics.Snapshot();

    public TaskAwaiter<T> GetAwaiter() => _result.GetAwaiter();

    /// <summary>The combined result as a task; it fails with the first partition's failure or the combine step's exception.</summary>
    public Task<T> AsTask() => _result;
}
