using JobQueue.JobScripts;
using JobQueue.Protocol;
using Microsoft.Extensions.Logging;

namespace JobQueue.Worker;

/// <summary>
/// Holds a worker to its memory limit, as dask's nanny does: samples its resident memory five times a second; above
/// the pause fraction it is paused (takes no new tasks; a full garbage collection is asked for every 2 s) until it is
/// back under; above the terminate fraction it must leave, for its nanny to restart it. A worker always pauses before it
/// leaves, so that the coordinator hears of both in that order.
/// </summary>
internal sealed class MemoryMonitor : IDisposable
{
    public static readonly TimeSpan SampleInterval = TimeSpan.FromMilliseconds(200);

    // A paused worker may hold only garbage, and may allocate nothing more that would make the runtime collect it.
    private static readonly TimeSpan CollectInterval = TimeSpan.FromSeconds(2);

    private readonly ResidentMemory _resident = new();
    private readonly ILogger _logger;
    private readonly long? _pauseBytes;
    private readonly long? _terminateBytes;
    private readonly CancellationTokenSource _exceeded = new();
    private readonly ITimer _timer;
    private readonly Lock _sampling = new();
    private long _lastResident;
    private long _lastCollect;
    private volatile bool _paused;

    public MemoryMonitor(MemorySize limit, MemoryFractions fractions, ILogger logger)
    {
        _logger = logger;
        Limit = limit.Bytes;
        _pauseBytes = fractions.Pause is { } pause ? (long)(pause * limit.Bytes) : null;
        _terminateBytes = fractions.Terminate is { } terminate ? (long)(terminate * limit.Bytes) : null;
        _lastResident = _resident.Read();
        _timer = TimeProvider.System.CreateTimer(_ => Sample(), null, SampleInterval, SampleInterval);
    }

    /// <summary>The worker's memory limit in bytes.</summary>
    public long Limit { get; }

    /// <summary>Resident bytes at the last sample.</summary>
    public long Resident => Interlocked.Read(ref _lastResident);

    /// <summary>Above the pause fraction at the last sample.</summary>
    public bool Paused => _paused;

    /// <summary>Cancelled once the worker went above the terminate fraction: it must leave.</summary>
    public CancellationToken Exceeded => _exceeded.Token;

    /// <summary>Raised on the sampling thread when <see cref="Paused"/> changes.</summary>
    public event Action<bool>? PausedChanged;

    private void Sample()
    {
        // A sample that outlasts the interval (a collection under way) is not overtaken by the next.
        if (!_sampling.TryEnter())
        {
            return;
        }

        try
        {
            var resident = _resident.Read();
            Interlocked.Exchange(ref _lastResident, resident);
            var over = resident > _pauseBytes || resident > _terminateBytes;
            if (over != _paused)
            {
                _paused = over;
                if (over)
                {
                    _logger.LogWarning("Pausing: {Resident} of the {Limit} memory limit used; no new tasks until it is back under {Pause}", MemoryUse.Text(resident), MemoryUse.Text(Limit), MemoryUse.Text(_pauseBytes ?? Limit));
                }
                else
                {
                    _logger.LogInformation("Resuming: {Resident} of the {Limit} memory limit used", MemoryUse.Text(resident), MemoryUse.Text(Limit));
                }

                PausedChanged?.Invoke(over);
            }

            if (over && !(resident > _terminateBytes) && Environment.TickCount64 - _lastCollect >= CollectInterval.TotalMilliseconds)
            {
                // Garbage may be what holds the memory; what an aggressive collection frees goes back to the system.
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                _lastCollect = Environment.TickCount64;
            }

            if (resident > _terminateBytes && !_exceeded.IsCancellationRequested)
            {
                _logger.LogError("Leaving to be restarted: {Resident} used, above {Terminate} of the {Limit} memory limit", MemoryUse.Text(resident), MemoryUse.Text(_terminateBytes.Value), MemoryUse.Text(Limit));
                _exceeded.Cancel();
            }
        }
        finally
        {
            _sampling.Exit();
        }
    }

    public void Dispose()
    {
        _timer.Dispose();
        lock (_sampling)
        {
            _resident.Dispose();
        }

        _exceeded.Dispose();
    }
}
