namespace JobQueue.Maps;

/// <summary>
/// How many consecutive items of a map travel and run as one partition. Without a fixed <c>BatchSize</c> it learns:
/// the per-item cost is the mean of what workers measured (argument decoding, the function, result encoding) over
/// the last few partitions, each older one weighing half as much (so a cold first call, which pays for JIT and
/// compiling codecs, soon stops counting), and a partition aims at <see cref="TargetPartitionSeconds"/> of that work, fifty times the fixed cost
/// of a message, so that the fixed cost stays near 2 % of the work. The first partitions hold one item; later ones
/// may at most double, so a map whose first items are unusually quick does not start with huge partitions; and near
/// the end of a map a partition holds at most a quarter of an even share of what is left per worker thread, so
/// every thread stays busy and the tail is short.
/// </summary>
internal sealed class PartitionSizer
{
    /// <summary>
    /// What one message costs beyond its items, end to end (protobuf frames, coordinator bookkeeping, worker queue
    /// hand-offs): a few microseconds each way, rounded up.
    /// </summary>
    public const double PartitionOverheadSeconds = 20e-6;

    /// <summary>The share of the work that message costs may take.</summary>
    public const double OverheadShare = 0.02;

    public const double TargetPartitionSeconds = PartitionOverheadSeconds / OverheadShare;

    /// <summary>Bounds one partition whatever the estimate, so that one message and one lost worker stay cheap.</summary>
    public const int MaxItems = 10_000;

    /// <summary>How much a partition's measurement still counts once the next one arrived.</summary>
    private const double Decay = 0.5;

    private readonly int? _fixedSize;
    private double _itemsMeasured;
    private double _secondsMeasured;
    private int _previous;

    /// <param name="fixedSize">The user's <c>MapOptions.BatchSize</c>, or null to learn.</param>
    public PartitionSizer(int? fixedSize) => _fixedSize = fixedSize;

    /// <summary>The learned partition size, before the ramp and tail bounds; null while nothing was measured or when fixed.</summary>
    public int? Estimate => _fixedSize is null && _itemsMeasured > 0 ? EstimateFromMeasurements() : null;

    /// <summary>
    /// How many of the map's partitions may be on workers at once. A learned size needs its measurements before
    /// the rest of the map leaves: two single items per worker thread until the first result, then four partitions
    /// per thread (about 4 ms of work each, plenty to keep a thread busy), so that a worker asking for thousands of
    /// tasks does not receive the whole map cut to an early, small estimate. A fixed size sends as credit allows.
    /// </summary>
    public int MaxInFlight(int threads) =>
        _fixedSize is not null ? int.MaxValue : (_itemsMeasured == 0 ? 2 : 4) * Math.Max(1, threads);

    /// <summary>
    /// How many of a map's items keep <paramref name="threads"/> busy: eight partitions per thread, four on the
    /// workers (<see cref="MaxInFlight"/>) and four waiting, so that the tail bound of <see cref="Next"/> never
    /// mistakes a bounded window for the end of the map. A partition counts here as at least what the measured cost
    /// says (<see cref="TargetPartitionSeconds"/> of work), even when a small fixed size cuts the map finer: the
    /// workers ask for enough such partitions to stay busy, and a window of eight single 1 µs items would leave them
    /// waiting on the round trip.
    /// </summary>
    public int ItemsToKeepBusy(int threads)
    {
        var measured = _itemsMeasured > 0 ? EstimateFromMeasurements() : 1;
        return (int)Math.Min(int.MaxValue, 8L * Math.Max(1, threads) * Math.Max(_fixedSize ?? 1, measured));
    }

    /// <summary>The size of the next partition, given the map's items not yet sent and the worker threads connected.</summary>
    public int Next(int undispatched, int threads)
    {
        if (_fixedSize is { } size)
        {
            return size;
        }

        if (_itemsMeasured == 0)
        {
            return 1;
        }

        var evenShare = (int)Math.Ceiling(undispatched / (4.0 * Math.Max(1, threads)));
        var next = Math.Max(1, Math.Min(Math.Min(EstimateFromMeasurements(), 2 * Math.Max(1, _previous)), evenShare));
        _previous = next;
        return next;
    }

    /// <summary>Counts a partition's measured items and the time they took on their worker.</summary>
    public void Observe(int items, double seconds)
    {
        _itemsMeasured = (Decay * _itemsMeasured) + items;
        _secondsMeasured = (Decay * _secondsMeasured) + seconds;
    }

    private int EstimateFromMeasurements()
    {
        var perItem = _secondsMeasured / _itemsMeasured;
        return perItem <= 0 ? MaxItems : (int)Math.Clamp(Math.Round(TargetPartitionSeconds / perItem), 1, MaxItems);
    }
}
