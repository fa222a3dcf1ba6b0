using Microsoft.Extensions.Logging;

namespace JobQueue.Coordination;

/// <summary>
/// Connections refused before they authenticated, counted by reason and logged as one warning per interval: anyone
/// on the network can knock, and a port scanner or a flood must not become thousands of log lines.
/// </summary>
internal sealed class RefusalLog(ILogger logger, TimeSpan interval)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _reasons = new(StringComparer.Ordinal);
    private long _lastLogged = Environment.TickCount64 - (long)interval.TotalMilliseconds;

    /// <summary>Counts a refusal; the first after a quiet interval is logged at once, the rest at the next <see cref="Flush"/>.</summary>
    public void Add(string peer, string reason)
    {
        lock (_gate)
        {
            _reasons[reason] = _reasons.GetValueOrDefault(reason) + 1;
            if (_reasons.Count == 1 && _reasons[reason] == 1 && Environment.TickCount64 - _lastLogged >= interval.TotalMilliseconds)
            {
                _reasons.Clear();
                _lastLogged = Environment.TickCount64;
                logger.LogWarning("Refused a connection from {Peer}: {Reason}", peer, reason);
            }
        }
    }

    /// <summary>Logs what was counted since the last line, once the interval has passed.</summary>
    public void Flush()
    {
        string summary;
        int total;
        lock (_gate)
        {
            if (_reasons.Count == 0 || Environment.TickCount64 - _lastLogged < interval.TotalMilliseconds)
            {
                return;
            }

            total = _reasons.Values.Sum();
            summary = string.Join("; ", _reasons.OrderByDescending(pair => pair.Value).Select(pair => $"{pair.Value} x {pair.Key}"));
            _reasons.Clear();
            _lastLogged = Environment.TickCount64;
        }

        logger.LogWarning("Refused {Count} connections in the last {Seconds:0} s: {Reasons}", total, interval.TotalSeconds, summary);
    }
}
