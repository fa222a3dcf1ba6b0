using System.Globalization;

namespace JobQueue;

/// <summary>Where the tasks of a <c>Map</c> are at one moment.</summary>
/// <param name="Done">Tasks whose result arrived.</param>
/// <param name="Running">Tasks a worker is running.</param>
/// <param name="Queued">Tasks waiting for a worker.</param>
/// <param name="Failed">Tasks that threw, lost their workers too often, or were cancelled.</param>
public readonly record struct MapCounts(int Done, int Running, int Queued, int Failed)
{
    /// <summary>All tasks.</summary>
    public int Total => Done + Running + Queued + Failed;

    /// <summary>True when no task is queued or running.</summary>
    public bool HasEnded => Running == 0 && Queued == 0;

    /// <summary>The counts of <paramref name="futures"/>, taken now.</summary>
    public static MapCounts Of(IEnumerable<Future> futures)
    {
        ArgumentNullException.ThrowIfNull(futures);
        if (futures is IMapCounts map)
        {
            return map.Counts; // without a future per item
        }

        int done = 0, running = 0, queued = 0, failed = 0;
        foreach (var future in futures)
        {
            switch (future.Status)
            {
                case FutureStatus.Finished: done++; break;
                case FutureStatus.Pending when future.IsOnWorker: running++; break;
                case FutureStatus.Pending: queued++; break;
                default: failed++; break;
            }
        }

        return new MapCounts(done, running, queued, failed);
    }

    /// <summary>E.g. <c>1,000 tasks: 312 done, 8 running, 678 queued, 2 failed</c>.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Total:N0} tasks: {Done:N0} done, {Running:N0} running, {Queued:N0} queued, {Failed:N0} failed");
}

/// <summary>A collection of futures that counts them without looking at each: a map's results.</summary>
internal interface IMapCounts
{
    MapCounts Counts { get; }
}
