using System.Diagnostics;
using Google.Protobuf;
using JobQueue.Protocol;

namespace JobQueue.Coordination;

/// <summary>
/// The queue and who runs what: it numbers maps, keeps the waiting tasks (retries first), deals partitions to the
/// workers with credit, takes results only from the worker that holds a partition, and takes back what a departed
/// worker held. Not thread-safe: the coordinator calls it under its lock.
/// </summary>
internal sealed class Scheduler
{
    private const int MaxTasksPerBatch = 4096;

    // Bounds a message of tasks and a partition by argument bytes, far below ChannelLimits.MaxMessageSize.
    private const int MaxBatchBytes = 16 << 20;
    private const int MaxPartitionBytes = 1 << 20;

    // What the dashboard shows of the past.
    private const int RecentMapsKept = 20;

    private readonly Queue<TaskRecord> _retries = new();
    private readonly Queue<TaskRecord> _queue = new();
    private readonly Dictionary<ByteString, uint> _functionIds = [];
    private readonly List<FunctionDefinition> _functions = [];
    private readonly Queue<MapState> _recentMaps = new();

    // Where NextPartition gathers a partition's tasks, reused.
    private readonly List<TaskRecord> _partitionTasks = [];
    private ulong _nextTaskId;
    private long _nextMapNumber;
    private int _nextSession;

    /// <summary>Tasks waiting for a worker.</summary>
    public int Waiting => _queue.Count + _retries.Count;

    /// <summary>The progress of the latest maps, oldest first, given the items each has on workers now.</summary>
    public MapProgress[] Progress(Dictionary<MapState, int> running) =>

        // Results are counted done as they are taken (TakeResults), so no item is both running and done here.
        [.. _recentMaps.Select(map => new MapProgress(map.Number, map.Items, map.Statistics.Items + map.Lost, map.Failed, running.GetValueOrDefault(map), map.Cancelled))];

    /// <summary>Gives the function an id, shared by every equal definition so workers load it once.</summary>
    public uint RegisterFunction(FunctionDefinition definition)
    {
        var key = definition.ToByteString();
        if (!_functionIds.TryGetValue(key, out var id))
        {
            id = (uint)_functions.Count;
            _functions.Add(new FunctionDefinition(definition) { Id = id });
            _functionIds[key] = id;
        }

        return id;
    }

    /// <summary>Numbers a map of <paramref name="count"/> items, or a stream (null) whose items are counted as they are queued.</summary>
    public MapState BeginMap(uint functionId, int? count, int allowedFailures, int? batchSize, long maxResultSize)
    {
        var map = new MapState(_nextMapNumber++, _nextTaskId, count ?? 0, functionId, allowedFailures, batchSize) { IsStream = count is null, MaxResultSize = maxResultSize };
        _nextTaskId += (ulong)(count ?? int.MaxValue);
        _recentMaps.Enqueue(map);
        if (_recentMaps.Count > RecentMapsKept)
        {
            _recentMaps.Dequeue();
        }

        return map;
    }

    public void Enqueue(TaskRecord task)
    {
        _queue.Enqueue(task);
        task.Map.Undispatched++;
        if (task.Map.IsStream)
        {
            task.Map.Items++;
        }
    }

    /// <summary>Empties the queue: the tasks that were waiting, retries first.</summary>
    public List<TaskRecord> TakeWaiting()
    {
        List<TaskRecord> waiting = [.. _retries, .. _queue];
        _retries.Clear();
        _queue.Clear();
        return waiting;
    }

    /// <summary>
    /// Counts the results of <paramref name="batch"/> that <paramref name="session"/> may report (the partitions it
    /// holds; late or doubled results are dropped), requeues the tasks it handed back unstarted, and adds the
    /// reported partitions to <paramref name="completed"/>.
    /// </summary>
    public void TakeResults(WorkerSession session, ResultBatch batch, List<(TaskRecord[] Tasks, TaskResult Result)> completed)
    {
        foreach (var result in batch.Results)
        {
            if (!session.Assigned.Remove(result.Id, out var partition))
            {
                continue;
            }

            partition.Map.InFlight--;
            var reported = Math.Min(result.ValueEnds.Count, partition.Tasks.Length);
            for (var i = 0; i < partition.Tasks.Length; i++)
            {
                var task = partition.Tasks[i];
                task.Worker = null;
                if (i < reported)
                {
                    task.Finished = true;
                }
                else
                {
                    // Handed back unstarted (drain): they go elsewhere, in order.
                    Retry(task);
                }
            }

            if (reported == 0)
            {
                continue;
            }

            var compute = TimeSpan.FromTicks((long)(result.ComputeNanoseconds / 100));
            partition.Map.Sizer.Observe(reported, compute.TotalSeconds);
            partition.Map.Statistics.AddPartition(reported, compute);
            partition.Map.CountFailures(result.Failures?.Errors.Count ?? 0);
            session.TasksDone += reported;
            completed.Add((partition.Tasks, result));
        }

        session.Credit += (int)batch.Credit;
    }

    /// <summary>
    /// Takes back what a departed worker held: unfinished tasks run again, unless their workers keep dying (they are
    /// returned, to be reported lost) or the worker was draining (then it is not the task's fault).
    /// </summary>
    public List<TaskRecord> Reclaim(WorkerSession session)
    {
        var lost = new List<TaskRecord>();
        foreach (var partition in session.Assigned.Values)
        {
            partition.Map.InFlight--;
        }

        foreach (var task in session.Assigned.Values.OrderBy(partition => partition.Id).SelectMany(partition => partition.Tasks))
        {
            task.Worker = null;
            if (task.Finished)
            {
                continue;
            }

            if (!session.Draining)
            {
                (task.LostWorkers ??= []).Add(session.Name);
                if (task.LostWorkers.Count >= task.Map.AllowedFailures)
                {
                    task.Finished = true;
                    task.Map.CountLost();
                    lost.Add(task);
                    continue;
                }
            }

            Retry(task);
        }

        session.Assigned.Clear();
        return lost;
    }

    // Deals partitions one at a time, round-robin, to the workers with credit, so a few long tasks spread out
    // while a large map still leaves in one frame per worker.
    public void Dispatch(IReadOnlyList<WorkerSession> sessions)
    {
        if (_retries.Count == 0 && _queue.Count == 0)
        {
            return;
        }

        var ready = sessions.Where(session => session.Credit > 0 && !session.Closed && !session.Draining).ToList();
        var threads = ready.Count == 0 ? 0 : sessions.Sum(session => (int)session.Registration.Threads);
        var batches = ready.ToDictionary(session => session, _ => new OutgoingBatch());
        for (var turn = _nextSession++; ready.Count > 0; turn++)
        {
            var started = Stopwatch.GetTimestamp();
            if (NextPartition(threads) is not { } partition)
            {
                break;
            }

            var session = ready[turn % ready.Count];
            if (session.KnownFunctions.Add(partition.Map.FunctionId))
            {
                session.Send(new ToWorker { Function = _functions[(int)partition.Map.FunctionId] });
            }

            var spec = new TaskSpec
            {
                Id = partition.Id, Function = partition.Map.FunctionId, Map = (ulong)partition.Map.Number, FirstIndex = (ulong)partition.Tasks[0].Index,
                MaxResultSize = (ulong)partition.Map.MaxResultSize,
            };
            var bytes = 0L;
            foreach (var task in partition.Tasks)
            {
                task.Worker = session;
                bytes += LargeArguments.Add(spec, task.Argument);
            }

            session.Assigned[partition.Id] = partition;
            session.Credit--;
            var batch = batches[session];
            batch.Tasks.Tasks.Add(spec);
            batch.Bytes += bytes;
            partition.Map.Statistics.AddMessaging(started);
            if (session.Credit == 0 || batch.Tasks.Tasks.Count == MaxTasksPerBatch || batch.Bytes >= MaxBatchBytes)
            {
                session.Send(new ToWorker { Tasks = batch.Tasks });
                batches[session] = new OutgoingBatch();
                if (session.Credit == 0)
                {
                    ready.Remove(session);
                }
            }
        }

        foreach (var (session, batch) in batches.Where(pair => pair.Value.Tasks.Tasks.Count > 0))
        {
            session.Send(new ToWorker { Tasks = batch.Tasks });
        }
    }

    private void Retry(TaskRecord task)
    {
        _retries.Enqueue(task);
        task.Map.Undispatched++;
    }

    /// <summary>The next consecutive pending tasks of one map, retries first, as many as its sizer asks for.</summary>
    private Partition? NextPartition(int threads)
    {
        var source = HasPending(_retries) ? _retries : HasPending(_queue) ? _queue : null;
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

    /// <summary>Drops finished (cancelled) tasks from the head of <paramref name="queue"/>; true when a pending one is next.</summary>
    private static bool HasPending(Queue<TaskRecord> queue)
    {
        while (queue.TryPeek(out var task))
        {
            if (!task.Finished)
            {
                return true;
            }

            queue.Dequeue();
            task.Map.Undispatched--;
        }

        return false;
    }

    /// <summary>A frame of tasks for one worker being filled, and the argument bytes in it.</summary>
    private sealed class OutgoingBatch
    {
        public TaskBatch Tasks { get; } = new();

        public long Bytes { get; set; }
    }
}
