using System.Diagnostics;
using JobQueue.Protocol;

namespace JobQueue.Coordination;

/// <summary>The scheduler's dealing: which partition goes next, to which worker, in which message.</summary>
internal sealed partial class Scheduler
{
    // Deals partitions one at a time, round-robin, to the workers with credit, so a few long tasks spread out
    // while a large map still leaves in one frame per worker. Called for every result that frees a thread, so it
    // allocates only the messages it sends: its lists are the scheduler's own, reused under the engine's lock.
    public void Dispatch(IReadOnlyList<WorkerSession> sessions)
    {
        if (_waiting.IsEmpty)
        {
            return;
        }

        var ready = _ready;
        var threads = 0;
        for (var i = 0; i < sessions.Count; i++)
        {
            var session = sessions[i];
            threads += (int)session.Registration.Threads;
            if (session.Credit > 0 && !session.Closed && !session.Draining && !session.Paused)
            {
                ready.Add(session);
            }
        }

        var batches = _batches;
        try
        {
            for (var turn = _nextSession++; ready.Count > 0; turn++)
            {
                var started = Stopwatch.GetTimestamp();
                if (NextPartition(threads, ready, sessions) is not { } partition)
                {
                    break;
                }

                var session = Choose(ready, turn, partition);
                var (spec, bytes) = Assign(session, partition);
                session.Credit--;
                if (!batches.TryGetValue(session, out var batch))
                {
                    batches[session] = batch = new OutgoingBatch();
                }

                batch.Tasks.Tasks.Add(spec);
                batch.Bytes += bytes;
                partition.Map.Statistics.AddMessaging(started);
                if (session.Credit == 0 || batch.Tasks.Tasks.Count == MaxTasksPerBatch || batch.Bytes >= MaxBatchBytes)
                {
                    session.Send(new ToWorker { Tasks = batch.Tasks });
                    batches.Remove(session);
                    if (session.Credit == 0)
                    {
                        ready.Remove(session);
                    }
                }
            }

            foreach (var (session, batch) in batches)
            {
                session.Send(new ToWorker { Tasks = batch.Tasks });
            }
        }
        finally
        {
            batches.Clear();
            ready.Clear();
        }
    }

    /// <summary>
    /// Sends <paramref name="task"/> to <paramref name="session"/> at once, outside the queue and its credit (the
    /// worker's credit counts what it holds, so it asks for that much less): a task for this very worker
    /// (<see cref="MapPolicy.OnThisWorker"/>), which never runs elsewhere.
    /// </summary>
    public void SendTo(WorkerSession session, TaskRecord task)
    {
        var partition = new Partition(task.Map, [task]);
        task.Map.InFlight++;
        var (spec, _) = Assign(session, partition);
        session.Send(new ToWorker { Tasks = new TaskBatch { Tasks = { spec } } });
    }

    /// <summary>Makes <paramref name="session"/> the holder of <paramref name="partition"/> (defining its function there the first time); returns its message and argument bytes.</summary>
    private (TaskSpec Spec, long Bytes) Assign(WorkerSession session, Partition partition)
    {
        if (session.KnownFunctions.Add(partition.Map.FunctionId))
        {
            session.Send(new ToWorker { Function = _functions[(int)partition.Map.FunctionId] });
        }

        var spec = new TaskSpec
        {
            Id = partition.Id, Function = partition.Map.FunctionId, Map = (ulong)partition.Map.Number, FirstIndex = (ulong)partition.Tasks[0].Index,
            MaxResultSize = (ulong)partition.Map.MaxResultSize,
        };
        spec.Arguments.Capacity = partition.Tasks.Length; // not the 8 a first Add reserves, most of it unused for one item
        var bytes = 0L;
        foreach (var task in partition.Tasks)
        {
            task.Worker = session;
            bytes += LargeArguments.Add(spec, task.Argument);
        }

        session.Assigned[partition.Id] = partition;
        if (partition.Map.Policy.Resources is { } resources)
        {
            session.Hold(resources, 1);
        }

        return (spec, bytes);
    }

    /// <summary>
    /// The worker whose turn it is among those with the partition's resources free, or the next one on which none of
    /// its tasks threw, where there is one. <see cref="NextPartition"/> made sure that one has the resources.
    /// </summary>
    private static WorkerSession Choose(List<WorkerSession> ready, int turn, Partition partition)
    {
        var resources = partition.Map.Policy.Resources;
        if (partition.Tasks[0] is { PreferredWorker: { } producer, FailedAttempts: null } && ready.Contains(producer) && (resources is null || producer.HasFree(resources)))
        {
            return producer; // it produced the task's largest input
        }

        WorkerSession? fits = null;
        for (var offset = 0; offset < ready.Count; offset++)
        {
            var candidate = ready[(turn + offset) % ready.Count];
            if (resources is not null && !candidate.HasFree(resources))
            {
                continue;
            }

            if (!FailedOn(partition, candidate))
            {
                return candidate;
            }

            fits ??= candidate;
        }

        return fits!;
    }

    // Loops rather than LINQ here and in FailedOn: a lambda capturing a parameter would allocate on every call.
    private static bool AnyHasFree(List<WorkerSession> ready, IReadOnlyDictionary<string, double> resources)
    {
        foreach (var session in ready)
        {
            if (session.HasFree(resources))
            {
                return true;
            }
        }

        return false;
    }

    private static bool AnyDeclares(IReadOnlyList<WorkerSession> sessions, IReadOnlyDictionary<string, double> resources)
    {
        foreach (var session in sessions)
        {
            if (!session.Closed && !session.Draining && session.Declares(resources))
            {
                return true;
            }
        }

        return false;
    }

    private static bool FailedOn(Partition partition, WorkerSession candidate)
    {
        foreach (var task in partition.Tasks)
        {
            if (task.FailedAttempts is not { } attempts)
            {
                continue;
            }

            foreach (var attempt in attempts)
            {
                if (attempt.Worker == candidate.Name)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// The next consecutive pending tasks of one map, as many as its sizer asks for: from the highest priority that
    /// has any, retries first. Nothing of a lower priority leaves while a higher one waits, even for its map's sizer.
    /// </summary>
    private Partition? NextPartition(int threads, List<WorkerSession> ready, IReadOnlyList<WorkerSession> sessions)
    {
        Queue<TaskRecord>? source;
        while ((source = _waiting.Next()) is not null && source.Peek().Map.Policy.Resources is { } resources && !AnyHasFree(ready, resources))
        {
            if (AnyDeclares(sessions, resources))
            {
                return null; // they wait for a worker's resources to be free, and so does what comes after them
            }

            // No worker here could ever run them: they wait aside, reported, and hold nothing up.
            var parked = source.Peek().Map;
            _waiting.Park(source);
            if (!parked.ReportedUnrunnable)
            {
                parked.ReportedUnrunnable = true;
                unrunnable(parked);
            }
        }

        if (source is null)
        {
            return null;
        }

        var map = source.Peek().Map;
        if (map.InFlight >= map.Sizer.MaxInFlight(threads))
        {
            return null; // the results that size the rest are on their way
        }

        var first = source.Dequeue();
        var size = map.Sizer.Next(map.Undispatched, threads);
        map.InFlight++;
        if (size == 1)
        {
            map.Undispatched--;
            return new Partition(map, [first]);
        }

        var tasks = _partitionTasks;
        tasks.Add(first);
        var bytes = (long)first.Argument.Length;
        while (tasks.Count < size && bytes < MaxPartitionBytes && source.TryPeek(out var next)
            && next.Map == map && next.Id == tasks[^1].Id + 1 && !next.Finished)
        {
            tasks.Add(source.Dequeue());
            bytes += next.Argument.Length;
        }

        map.Undispatched -= tasks.Count;
        var partition = new Partition(map, [.. tasks]);
        tasks.Clear();
        return partition;
    }

    /// <summary>A frame of tasks for one worker being filled, and the argument bytes in it.</summary>
    private sealed class OutgoingBatch
    {
        public TaskBatch Tasks { get; } = new();

        public long Bytes { get; set; }
    }
}
