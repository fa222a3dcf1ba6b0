using JobQueue.Protocol;
using Microsoft.Extensions.Logging;

namespace JobQueue.Coordination;

/// <summary>What the coordinator does with each authenticated worker's call: its arrival, its messages, its end.</summary>
internal sealed partial class Coordinator
{
    /// <summary>Welcomes and registers an authenticated worker, and deals it tasks once it grants credit.</summary>
    internal void Join(WorkerSession session)
    {
        session.Send(new ToWorker { Welcome = new Welcome { HeartbeatIntervalMs = (uint)Liveness.HeartbeatInterval.TotalMilliseconds, Seed = _settings.Seed } });
        lock (_gate)
        {
            _workers.Add(session);
            _scheduler.WorkerJoined();
        }

        _logger.LogInformation("Worker {Worker} connected from {Host} ({Peer}, {Threads} threads)", session.Name, session.Registration.Host, session.Peer, session.Registration.Threads);
        _events.WorkerChanged(session.Describe(), true);
    }

    /// <summary>Takes a worker's results and credit, deals it more, and hands what it reported to <see cref="ICoordinatorEvents"/>.</summary>
    internal void TakeResults(WorkerSession session, ResultBatch batch)
    {
        foreach (var result in batch.Results)
        {
            if (result.ExternalItems.Count > 0 || !session.Incoming.IsEmpty)
            {
                // Outside the lock: this may copy large values.
                session.Incoming.Complete(result, FirstIndexHeld(session, result.Id) ?? 0);
            }
        }

        var completed = new List<(TaskRecord[] Tasks, TaskResult Result)>(batch.Results.Count);
        var lost = new List<TaskRecord>();
        lock (_gate)
        {
            _scheduler.TakeResults(session, batch, completed, lost);
            QueueReadyDependents(session, completed);
            _scheduler.Dispatch(_workers.Sessions);
        }

        if (completed.Count > 0)
        {
            _events.ResultsArrived(completed, session.Name);
        }

        foreach (var task in lost)
        {
            _events.TaskLost(task, task.LostWorkers!, cause: null);
        }
    }

    /// <summary>Takes a piece of a large result, for a partition the worker holds; the map's MaxResultSize bounds what is kept.</summary>
    internal void TakeValuePart(WorkerSession session, ValuePart part)
    {
        long limit;
        lock (_gate)
        {
            if (!session.Assigned.TryGetValue(part.Partition, out var partition))
            {
                return;
            }

            limit = partition.Map.MaxResultSize;
        }

        session.Incoming.Add(part, limit);
    }

    private long? FirstIndexHeld(WorkerSession session, ulong partition)
    {
        lock (_gate)
        {
            return session.Assigned.TryGetValue(partition, out var held) ? held.Tasks[0].Index : null;
        }
    }

    internal void TakeHeartbeat(WorkerSession session, Protocol.Heartbeat heartbeat)
    {
        bool changed;
        lock (_gate)
        {
            session.ResidentMemory = (long)heartbeat.ResidentMemory;
            changed = session.Paused != heartbeat.Paused;
            session.Paused = heartbeat.Paused;
            if (changed && !heartbeat.Paused)
            {
                _scheduler.Dispatch(_workers.Sessions);
            }
        }

        if (changed)
        {
            _logger.LogWarning(
                heartbeat.Paused
                    ? "Worker {Worker} paused: {Resident} of its {Limit} memory limit used, above its pause fraction; it takes no new tasks until it is back under"
                    : "Worker {Worker} resumed: {Resident} of its {Limit} memory limit used",
                session.Name, MemoryUse.Text((long)heartbeat.ResidentMemory), MemoryUse.Text((long)session.Registration.MemoryLimit));
        }
    }

    /// <summary>The worker went above its memory terminate fraction and exits: what it was running counts a failure, for this reason.</summary>
    internal void TakeMemoryExceeded(WorkerSession session, MemoryExceeded exceeded)
    {
        var cause = $"worker {session.Name} exceeded its memory limit while running it ({MemoryUse.Text((long)exceeded.ResidentMemory)} used, limit {MemoryUse.Text((long)exceeded.MemoryLimit)})";
        lock (_gate)
        {
            session.LossCause = cause;
        }

        _logger.LogWarning("Worker {Worker} exceeded its memory limit ({Resident} used, limit {Limit}) and is restarting; what it was running counts a failure", session.Name, MemoryUse.Text((long)exceeded.ResidentMemory), MemoryUse.Text((long)exceeded.MemoryLimit));
    }

    /// <summary>The worker is leaving on its own: what it holds goes elsewhere without counting as a failure.</summary>
    internal void TakeLeaving(WorkerSession session)
    {
        lock (_gate)
        {
            session.Draining = true;
        }
    }

    /// <summary>Serves the files workers fetch.</summary>
    internal FileServer Files => _files;

    /// <summary>Removes a worker whose call ended and reschedules what it held; tasks whose workers kept dying are reported lost.</summary>
    internal void Leave(WorkerSession session)
    {
        List<TaskRecord> lost;
        lock (_gate)
        {
            if (!_workers.Remove(session))
            {
                return;
            }

            lost = _scheduler.Reclaim(session);
            _scheduler.Dispatch(_workers.Sessions);
        }

        foreach (var task in lost)
        {
            _events.TaskLost(task, task.LostWorkers!, session.LossCause);
        }

        _events.WorkerChanged(session.Describe(), false);
    }
}
