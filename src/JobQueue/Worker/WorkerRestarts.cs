namespace JobQueue.Worker;

/// <summary>
/// When a nanny (a <c>LocalCluster</c>, or the WorkerHost at the head of a batch job) starts a worker again:
/// at once the first time, then after a delay doubling from 0.5 s up to 30 s while workers keep dying young; a worker
/// that stayed up a minute resets it. It also counts the workers that died young in a row, and those that died
/// before connecting in a row, after which the nanny gives up.
/// </summary>
internal sealed class WorkerRestarts
{
    /// <summary>Workers in a row that died before connecting (or, where that is not known, young), after which the nanny gives up.</summary>
    public const int StartFailuresToGiveUp = 5;

    private static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(0.5);
    private static readonly TimeSpan LongestDelay = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan LongEnoughUp = TimeSpan.FromMinutes(1);

    private readonly Lock _lock = new();
    private readonly HashSet<(int ExitCode, string Tail)> _failuresLogged = [];
    private int _youngDeaths;
    private int _startFailures;

    /// <summary>Every worker process started so far, restarts included.</summary>
    public int Starts { get; private set; }

    /// <summary>How long a worker must stay up for its death not to count as a fast failure.</summary>
    public static TimeSpan YoungAge => LongEnoughUp;

    public void Started()
    {
        lock (_lock)
        {
            Starts++;
        }
    }

    public void Connected()
    {
        lock (_lock)
        {
            _startFailures = 0;
        }
    }

    /// <summary>
    /// A worker exited after <paramref name="uptime"/>: how long to wait before starting it again, and how many died
    /// young (within <see cref="YoungAge"/> of starting) in a row, this one included.
    /// </summary>
    public (TimeSpan Delay, int YoungDeaths) Exited(TimeSpan uptime)
    {
        lock (_lock)
        {
            _youngDeaths = uptime >= LongEnoughUp ? 0 : _youngDeaths + 1;
            var delay = _youngDeaths == 0 ? TimeSpan.Zero
                : TimeSpan.FromTicks(Math.Min(LongestDelay.Ticks, FirstDelay.Ticks << Math.Min(_youngDeaths - 1, 16)));
            return (delay, _youngDeaths);
        }
    }

    /// <summary>Counts a worker that exited after <paramref name="connected"/> or before connecting; returns how many in a row never connected.</summary>
    public int CountStartFailure(bool connected)
    {
        lock (_lock)
        {
            _startFailures = connected ? 0 : _startFailures + 1;
            return _startFailures;
        }
    }

    /// <summary>Whether this failure (exit code and last lines) is new, so that it is logged once, not at every restart.</summary>
    public bool IsNewFailure(int exitCode, string tail)
    {
        lock (_lock)
        {
            return _failuresLogged.Add((exitCode, tail));
        }
    }
}
