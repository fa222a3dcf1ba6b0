using JobQueue.Maps;
using JobQueue.Protocol;

namespace JobQueue.Coordination;

/// <summary>
/// The coordinator's view of one <c>Map</c> (or <c>Submit</c>): its number, which fixes its items' keys, a block of
/// task ids (item i has <see cref="FirstTaskId"/> + i), its function and policy, how its partitions are sized, and what it measured.
/// A streamed map reserves ids for <see cref="int.MaxValue"/> items and counts its items as they are queued.
/// </summary>
internal sealed class MapState(long number, ulong firstTaskId, int items, uint functionId, MapPolicy policy, int? batchSize)
{
    private int _failed;
    private int _lost;
    private int _cancelled;

    public long Number { get; } = number;

    /// <summary>The map's items; for a stream, those queued so far (guarded by the coordinator's lock).</summary>
    public int Items { get; set; } = items;

    /// <summary>Whether the map is a stream, whose items arrive over time.</summary>
    public bool IsStream { get; init; }

    public ulong FirstTaskId { get; } = firstTaskId;

    public uint FunctionId { get; } = functionId;

    public MapPolicy Policy { get; } = policy;

    public PartitionSizer Sizer { get; } = new(batchSize);

    /// <summary>The largest encoded result an item may have (MapOptions.MaxResultSize), in bytes.</summary>
    public long MaxResultSize { get; init; } = ChannelLimits.DefaultMaxResultSize;

    public MapStatistics Statistics { get; } = new();

    /// <summary>Items queued and not yet sent to a worker, for the tail bound; guarded by the coordinator's lock.</summary>
    public int Undispatched { get; set; }

    /// <summary>Whether the log was told that its tasks ask for resources no connected worker has; guarded by the coordinator's lock.</summary>
    public bool ReportedUnrunnable { get; set; }

    /// <summary>Partitions on workers, whose results have not come back; guarded by the coordinator's lock.</summary>
    public int InFlight { get; set; }

    /// <summary>Items that failed; counted per failure, for the dashboard.</summary>
    public int Failed => Volatile.Read(ref _failed);

    /// <summary>The failures of <see cref="Failed"/> that no worker reported: their workers kept dying.</summary>
    public int Lost => Volatile.Read(ref _lost);

    /// <summary>Items cancelled before a worker got them; counted per cancellation, for the dashboard.</summary>
    public int Cancelled => Volatile.Read(ref _cancelled);

    public void CountFailures(int failures) => Interlocked.Add(ref _failed, failures);

    public void CountLost()
    {
        Interlocked.Increment(ref _failed);
        Interlocked.Increment(ref _lost);
    }

    public void CountCancelled() => Interlocked.Increment(ref _cancelled);
}
