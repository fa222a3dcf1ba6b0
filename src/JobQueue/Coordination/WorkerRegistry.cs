using JobQueue.Protocol;
using Microsoft.Extensions.Logging;

namespace JobQueue.Coordination;

/// <summary>
/// The registered workers: who is connected, who has been silent too long, and the views of them that scaling and
/// the dashboard read. Not thread-safe: the coordinator calls it under its lock.
/// </summary>
internal sealed class WorkerRegistry
{
    private static readonly ToWorker Heartbeat = new() { Heartbeat = new CoordinatorHeartbeat() };

    private readonly List<WorkerSession> _sessions = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<WorkerSession> Sessions => _sessions;

    public int Count => _sessions.Count;

    /// <summary>Completes at the next registration or departure.</summary>
    public Task Changed => _changed.Task;

    /// <summary>Adds a registered worker; one restarted under its old name replaces the connection it left behind.</summary>
    public void Add(WorkerSession session)
    {
        _sessions.FirstOrDefault(existing => existing.Name == session.Name)?.Abort();
        _sessions.Add(session);
        SignalChanged();
    }

    /// <summary>Removes a worker whose call ended; false when it was already gone.</summary>
    public bool Remove(WorkerSession session)
    {
        if (!_sessions.Remove(session))
        {
            return false;
        }

        session.Closed = true;
        SignalChanged();
        return true;
    }

    /// <summary>
    /// Sends every worker a heartbeat, except those not heard from for <paramref name="silenceLimit"/>: their
    /// connections are dropped, so that their tasks run elsewhere.
    /// </summary>
    public void BeatOrDropSilent(TimeSpan silenceLimit, ILogger logger)
    {
        var limit = Environment.TickCount64 - (long)silenceLimit.TotalMilliseconds;
        foreach (var session in _sessions)
        {
            if (session.LastHeard < limit)
            {
                logger.LogWarning("Worker {Worker} has been silent for {Seconds} s; taking it for dead", session.Name, silenceLimit.TotalSeconds);
                session.Abort();
            }
            else
            {
                session.Send(Heartbeat);
            }
        }
    }

    public WorkerInfo[] Describe() => [.. _sessions.Select(session => session.Describe())];

    /// <summary>Per worker, keyed by its batch job, the partitions and items it holds and its threads.</summary>
    public (string JobId, int HeldPartitions, int HeldItems, int Threads)[] Load() =>
        [.. _sessions.Select(session => (session.Registration.JobId, session.Assigned.Count, session.HeldItems(), (int)session.Registration.Threads))];

    /// <summary>Every worker with the items it holds and how long it has been silent, and the items held per map.</summary>
    public (WorkerActivity[] Workers, Dictionary<MapState, int> RunningPerMap) Activity()
    {
        var now = Environment.TickCount64;
        var running = new Dictionary<MapState, int>();
        var workers = new WorkerActivity[_sessions.Count];
        for (var i = 0; i < workers.Length; i++)
        {
            var session = _sessions[i];
            foreach (var partition in session.Assigned.Values)
            {
                running[partition.Map] = running.GetValueOrDefault(partition.Map) + partition.Tasks.Length;
            }

            var resources = session.Registration.Resources.OrderBy(pair => pair.Key, StringComparer.Ordinal)
                .Select(pair => new ResourceUse(pair.Key, session.ResourcesHeld.GetValueOrDefault(pair.Key), pair.Value)).ToArray();
            workers[i] = new WorkerActivity(session.Describe(), session.HeldItems(), TimeSpan.FromMilliseconds(now - session.LastHeard), resources);
        }

        return (workers, running);
    }

    private void SignalChanged()
    {
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }
}
