namespace JobQueue.Coordination;

/// <summary>
/// The coordinator's record of one task: which map and item it is, its encoded argument, and where it stands. The
/// submitter's handle for it (a future) rides along as <see cref="Owner"/> and comes back in every
/// <see cref="ICoordinatorEvents"/> call about the task; the coordinator never looks into it.
/// </summary>
internal sealed class TaskRecord(MapState map, long index, byte[] argument, object owner)
{
    public MapState Map { get; } = map;

    /// <summary>The item's position in its map.</summary>
    public long Index { get; } = index;

    /// <summary>The task's id within its cluster: the map's first id plus <see cref="Index"/>.</summary>
    public ulong Id => Map.FirstTaskId + (ulong)Index;

    /// <summary>The encoded argument; a task waiting for other tasks' results gets it when they are all in (<see cref="TaskDependencies"/>).</summary>
    public byte[] Argument { get; set; } = argument;

    public object Owner { get; } = owner;

    // Guarded by the coordinator's lock.

    /// <summary>The worker that holds the task now, or null while it waits.</summary>
    public WorkerSession? Worker { get; set; }

    /// <summary>The worker that produced the task's largest input and holds it: dispatch prefers it when it has a free thread.</summary>
    public WorkerSession? PreferredWorker { get; set; }

    /// <summary>Workers that died holding the task, oldest first.</summary>
    public List<string>? LostWorkers { get; set; }

    /// <summary>
    /// The runs that threw, oldest first, kept when the map allows retries (<see cref="MapPolicy.Retries"/>). Once the
    /// task is finished nothing changes it, so the client reads it when it completes the task's future.
    /// </summary>
    public List<TaskAttempt>? FailedAttempts { get; set; }

    /// <summary>Decided: its result arrived, or it failed or was cancelled. Nothing reschedules a finished task.</summary>
    public bool Finished { get; set; }

    /// <summary>Decides the task as lost with <paramref name="worker"/>, which will not run it; guarded by the coordinator's lock.</summary>
    public void Lose(string worker)
    {
        (LostWorkers ??= []).Add(worker);
        Finished = true;
        Map.CountLost();
    }
}
