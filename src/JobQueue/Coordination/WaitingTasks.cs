namespace JobQueue.Coordination;

/// <summary>
/// The tasks waiting for a worker, by their map's priority (highest first) and, within one priority, those to run
/// again (handed back, lost, retried) before those never sent. Not thread-safe: the scheduler uses it under the
/// coordinator's lock.
/// </summary>
internal sealed class WaitingTasks
{
    // A sorted list, not a dictionary: Next reads the first level for every partition, which a SortedDictionary's
    // enumerator would allocate for; priorities in use are few, so inserting in order costs nothing.
    private readonly SortedList<int, PriorityLevel> _levels = new(Comparer<int>.Create((a, b) => b.CompareTo(a)));

    // Tasks whose resources no connected worker has: set aside so that they hold nothing up, until a worker joins.
    private readonly List<TaskRecord> _parked = [];

    // The last level emptied, kept for the next: a Submit's level empties after every task, and would otherwise be
    // made again, with its two queues, for the next one.
    private PriorityLevel? _spare;

    public int Count => _levels.Values.Sum(level => level.Count) + _parked.Count;

    public bool IsEmpty => _levels.Count == 0;

    /// <summary>The maps with tasks set aside for want of a worker with their resources, and how many each has waiting.</summary>
    public IEnumerable<(MapState Map, int Items)> Parked =>
        _parked.Where(task => !task.Finished).GroupBy(task => task.Map).Select(group => (group.Key, group.Count()));

    /// <summary>Sets aside the tasks of the head's map at the head of <paramref name="queue"/>: no connected worker could run them.</summary>
    public void Park(Queue<TaskRecord> queue)
    {
        var map = queue.Peek().Map;
        while (queue.TryPeek(out var task) && task.Map == map)
        {
            _parked.Add(queue.Dequeue());
        }
    }

    /// <summary>A worker joined: the tasks set aside wait again in their places (before their priority's tasks never sent).</summary>
    public void Unpark()
    {
        foreach (var task in _parked.Where(task => !task.Finished))
        {
            Level(task.Map).Again.Enqueue(task);
        }

        _parked.Clear();
    }

    public void Add(TaskRecord task)
    {
        Level(task.Map).Queue.Enqueue(task);
        task.Map.Undispatched++;
    }

    /// <summary>Queues a task to run again, before the tasks of its priority never sent.</summary>
    public void AddAgain(TaskRecord task)
    {
        Level(task.Map).Again.Enqueue(task);
        task.Map.Undispatched++;
    }

    /// <summary>Empties the queue: the tasks that were waiting, in the order they would have been sent.</summary>
    public List<TaskRecord> TakeAll()
    {
        List<TaskRecord> waiting = [.. _levels.Values.SelectMany(level => level.Again.Concat(level.Queue)), .. _parked];
        _levels.Clear();
        _parked.Clear();
        return waiting;
    }

    /// <summary>The queue whose head goes next: the highest priority's tasks to run again, else its others; null when none waits.</summary>
    public Queue<TaskRecord>? Next()
    {
        while (_levels.Count > 0)
        {
            var level = _levels.GetValueAtIndex(0);
            if (HasPending(level.Again))
            {
                return level.Again;
            }

            if (HasPending(level.Queue))
            {
                return level.Queue;
            }

            _spare = level;
            _levels.RemoveAt(0);
        }

        return null;
    }

    private PriorityLevel Level(MapState map)
    {
        if (!_levels.TryGetValue(map.Policy.Priority, out var level))
        {
            _levels[map.Policy.Priority] = level = _spare ?? new PriorityLevel();
            _spare = null;
        }

        return level;
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

    private sealed class PriorityLevel
    {
        public Queue<TaskRecord> Again { get; } = new();

        public Queue<TaskRecord> Queue { get; } = new();

        public int Count => Again.Count + Queue.Count;
    }
}
