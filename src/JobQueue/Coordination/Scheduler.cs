using Google.Protobuf;
using JobQueue.Protocol;

namespace JobQueue.Coordination;

/// <summary>
/// The queue and who runs what: it numbers maps, keeps the waiting tasks (highest priority first, retries first within
/// one), deals partitions to the workers with credit, takes results only from the worker that holds a partition, and
/// takes back what a departed worker held. Not thread-safe: the coordinator calls it under its lock.
/// </summary>
/// <param name="unrunnable">Told, once per map and under the lock, that its tasks ask for resources no connected worker has.</param>
internal sealed partial class Scheduler(Action<MapState> unrunnable)
{
    private const int MaxTasksPerBatch = 4096;

    // Bounds a message of tasks and a partition by argument bytes, far below ChannelLimits.MaxMessageSize.
    private const int MaxBatchBytes = 16 << 20;
    private const int MaxPartitionBytes = 1 << 20;

    // What the dashboard shows of the past.
    private const int RecentMapsKept = 20;

    private readonly WaitingTasks _waiting = new();
    private readonly Dictionary<ByteString, uint> _functionIds = [];
    private readonly List<FunctionDefinition> _functions = [];
    private (FunctionDefinition? Definition, uint Id) _lastRegistered;
    private readonly Queue<MapState> _recentMaps = new();

    // Where NextPartition gathers a partition's tasks, reused.
    private readonly List<TaskRecord> _partitionTasks = [];

    // Dispatch's workers with credit and the frames it fills for them, reused: it runs for every result that frees a thread.
    private readonly List<WorkerSession> _ready = [];
    private readonly Dictionary<WorkerSession, OutgoingBatch> _batches = [];
    private ulong _nextTaskId;
    private long _nextMapNumber;
    private int _nextSession;

    /// <summary>Tasks waiting for a worker.</summary>
    public int Waiting => _waiting.Count;

    /// <summary>The maps whose waiting tasks ask for resources no connected worker has, with how many.</summary>
    public IEnumerable<(MapState Map, int Items)> Unrunnable => _waiting.Parked;

    /// <summary>A worker joined: tasks set aside for want of resources are looked at again.</summary>
    public void WorkerJoined() => _waiting.Unpark();

    /// <summary>The progress of the latest maps, oldest first, given the items each has on workers now.</summary>
    public MapProgress[] Progress(Dictionary<MapState, int> running) =>

        // Results are counted done as they are taken (TakeResults), so no item is both running and done here.
        [.. _recentMaps.Select(map => new MapProgress(map.Number, map.Items, map.Statistics.Items + map.Lost, map.Failed, running.GetValueOrDefault(map), map.Cancelled))];

    /// <summary>Gives the function an id, shared by every equal definition so workers load it once.</summary>
    public uint RegisterFunction(FunctionDefinition definition)
    {
        // The same description again (a loop of Submits of one function): no need to encode it to find its id.
        if (ReferenceEquals(definition, _lastRegistered.Definition))
        {
            return _lastRegistered.Id;
        }

        var key = definition.ToByteString();
        if (!_functionIds.TryGetValue(key, out var id))
        {
            id = (uint)_functions.Count;
            _functions.Add(new FunctionDefinition(definition) { Id = id });
            _functionIds[key] = id;
        }

        _lastRegistered = (definition, id);
        return id;
    }

    /// <summary>Numbers a map of <paramref name="count"/> items, or a stream (null) whose items are counted as they are queued.</summary>
    public MapState BeginMap(uint functionId, int? count, MapPolicy policy, int? batchSize, long maxResultSize)
    {
        var map = new MapState(_nextMapNumber++, _nextTaskId, count ?? 0, functionId, policy, batchSize) { IsStream = count is null, MaxResultSize = maxResultSize };
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
        _waiting.Add(task);
        if (task.Map.IsStream)
        {
            task.Map.Items++;
        }
    }

    /// <summary>Empties the queue: the tasks that were waiting, highest priority first, retries first within one.</summary>
    public List<TaskRecord> TakeWaiting() => _waiting.TakeAll();

    /// <summary>
    /// Counts the results of <paramref name="batch"/> that <paramref name="session"/> may report (the partitions it
    /// holds; late or doubled results are dropped), requeues the tasks it handed back unstarted, and adds the
    /// reported partitions to <paramref name="completed"/>; tasks for this worker alone that it handed back go to <paramref name="lost"/>.
    /// </summary>
    public void TakeResults(WorkerSession session, ResultBatch batch, List<(TaskRecord[] Tasks, TaskResult Result)> completed, List<TaskRecord> lost)
    {
        foreach (var result in batch.Results)
        {
            if (!session.Assigned.Remove(result.Id, out var partition))
            {
                continue;
            }

            if (partition.Map.Policy.Resources is { } resources)
            {
                session.Hold(resources, -1);
            }

            partition.Map.InFlight--;
            var reported = Math.Min(result.ValueEnds.Count, partition.Tasks.Length);
            var rerun = RecordFailedRuns(session, partition, result, reported);
            for (var i = 0; i < partition.Tasks.Length; i++)
            {
                var task = partition.Tasks[i];
                task.Worker = null;
                if (i < reported && !rerun.Contains((uint)i))
                {
                    task.Finished = true;
                }
                else if (task.Map.Policy.OnThisWorker)
                {
                    // Handed back by the one worker it was for.
                    task.Lose(session.Name);
                    lost.Add(task);
                }
                else
                {
                    // Handed back unstarted (drain), or threw and may run again: they go elsewhere, in order.
                    Retry(task);
                }
            }

            if (reported == 0)
            {
                continue;
            }

            var compute = TimeSpan.FromTicks((long)(result.ComputeNanoseconds / 100));
            partition.Map.Sizer.Observe(reported, compute.TotalSeconds);
            partition.Map.Statistics.AddPartition(reported - rerun.Count, compute);
            partition.Map.CountFailures((result.Failures?.Errors.Count ?? 0) - rerun.Count);
            session.TasksDone += reported;
            completed.Add((partition.Tasks, result));
        }

        session.Credit += (int)batch.Credit;
    }

    /// <summary>
    /// Records the runs of <paramref name="partition"/> that threw, when its map allows retries, and marks in
    /// <paramref name="result"/> those that run again (<see cref="ItemFailures.Retried"/>, which only the coordinator
    /// sets): their futures wait for the next run. Returns those positions.
    /// </summary>
    private static IReadOnlyCollection<uint> RecordFailedRuns(WorkerSession session, Partition partition, TaskResult result, int reported)
    {
        if (result.Failures is not { } failures)
        {
            return [];
        }

        failures.Retried.Clear();
        var policy = partition.Map.Policy;
        if (policy.Retries == 0)
        {
            return [];
        }

        foreach (var failure in failures.Errors)
        {
            // A cancelled task is finished already: it does not run again.
            if (failure.Item >= reported || partition.Tasks[failure.Item] is not { Finished: false } task)
            {
                continue;
            }

            var attempts = task.FailedAttempts ??= [];
            attempts.Add(new TaskAttempt(session.Name, failure.Error.Type, failure.Error.Message));
            if (policy.Reruns(failure.Error.Type, attempts.Count))
            {
                failures.Retried.Add(failure.Item);
            }
        }

        return failures.Retried;
    }

    /// <summary>
    /// Takes back what a departed worker held: unfinished tasks run again, unless their workers keep dying or they
    /// were for this worker alone (they are returned, to be reported lost); a draining worker's are no failure.
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

            if (task.Map.Policy.OnThisWorker)
            {
                task.Lose(session.Name);
                lost.Add(task);
                continue;
            }

            if (!session.Draining)
            {
                (task.LostWorkers ??= []).Add(session.Name);
                if (task.LostWorkers.Count >= task.Map.Policy.AllowedFailures)
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

    private void Retry(TaskRecord task) => _waiting.AddAgain(task);
}
