using System.Diagnostics;

namespace JobQueue.Maps;

/// <summary>What one map has measured so far, for its <see cref="MapProfile"/>. Thread-safe: the client and the coordinator both add to it.</summary>
internal sealed class MapStatistics
{
    private readonly Lock _lock = new();
    private readonly long _started = Stopwatch.GetTimestamp();
    private long _finished;
    private int _items;
    private int _partitions;
    private TimeSpan _compute;
    private TimeSpan _minPartition = TimeSpan.MaxValue;
    private TimeSpan _maxPartition;
    private TimeSpan _encoding;
    private long _messagingTicks; // Stopwatch ticks, added without the lock: it counts once per message
    private TimeSpan _combining;

    /// <summary>The learned partition size, or null; set by the coordinator.</summary>
    public Func<int?> EstimatedPartitionSize { get; set; } = () => null;

    public void AddEncoding(TimeSpan duration)
    {
        lock (_lock)
        {
            _encoding += duration;
        }
    }

    /// <summary>Counts the client's combine step, the last thing a partitioned map does.</summary>
    public void AddCombining(TimeSpan duration)
    {
        lock (_lock)
        {
            _combining += duration;
            _finished = Stopwatch.GetTimestamp();
        }
    }

    /// <summary>Counts the coordinator's time forming and sending a partition, or completing its items' futures, since <paramref name="started"/>.</summary>
    public void AddMessaging(long started) => Interlocked.Add(ref _messagingTicks, Stopwatch.GetTimestamp() - started);

    /// <summary>Counts a partition's result: its items and their time on the worker.</summary>
    public void AddPartition(int items, TimeSpan compute)
    {
        lock (_lock)
        {
            _items += items;
            _partitions++;
            _compute += compute;
            _minPartition = compute < _minPartition ? compute : _minPartition;
            _maxPartition = compute > _maxPartition ? compute : _maxPartition;
            _finished = Stopwatch.GetTimestamp();
        }
    }

    /// <summary>Items whose results came back so far.</summary>
    public int Items
    {
        get
        {
            lock (_lock)
            {
                return _items;
            }
        }
    }

    public MapProfile Snapshot()
    {
        // Before this lock: the estimate takes the coordinator's, which is held while results are added here.
        var estimate = EstimatedPartitionSize();
        lock (_lock)
        {
            var finished = Math.Max(_finished, _started);
            return new MapProfile
            {
                Items = _items,
                Partitions = _partitions,
                EstimatedPartitionSize = estimate,
                Elapsed = Stopwatch.GetElapsedTime(_started, finished),
                ComputeTime = _compute,
                MinPartitionTime = _partitions == 0 ? TimeSpan.Zero : _minPartition,
                MaxPartitionTime = _maxPartition,
                EncodingTime = _encoding,
                MessagingTime = Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _messagingTicks)),
                CombineTime = _combining,
            };
        }
    }
}
