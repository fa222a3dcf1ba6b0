namespace JobQueue.Coordination;

/// <summary>What the rest of the process reads of the engine, each in one pass under its lock: the workers, the load adaptive scaling decides from, the dashboard's sample.</summary>
internal sealed partial class Coordinator
{
    /// <summary>The connected workers, as they registered.</summary>
    public IReadOnlyList<WorkerInfo> Workers
    {
        get
        {
            lock (_gate)
            {
                return _workers.Describe();
            }
        }
    }

    /// <summary>Items waiting for resources no connected worker has, per map: <c>map 3 (20 items): gpu=2</c>; empty when none.</summary>
    public IReadOnlyList<string> Unrunnable
    {
        get
        {
            lock (_gate)
            {
                return UnrunnableLocked();
            }
        }
    }

    private string[] UnrunnableLocked() =>
        [.. _scheduler.Unrunnable.Select(entry => $"map {entry.Map.Number} ({entry.Items} items): {Describe(entry.Map.Policy.Resources!)}")];

    /// <summary>
    /// Tasks waiting for a worker, and per worker (keyed by its batch job) the partitions and items it holds: what
    /// adaptive scaling decides from. A partition occupies one of the worker's threads.
    /// </summary>
    public (int Queued, IReadOnlyList<(string JobId, int HeldPartitions, int HeldItems, int Threads)> Workers) Load()
    {
        lock (_gate)
        {
            return (_scheduler.Waiting, _workers.Load());
        }
    }

    /// <summary>The workers and the latest maps, for the dashboard: one pass over what the lock guards anyway.</summary>
    public (IReadOnlyList<WorkerActivity> Workers, IReadOnlyList<MapProgress> Maps, IReadOnlyList<string> Unrunnable) Sample()
    {
        lock (_gate)
        {
            var (workers, running) = _workers.Activity();
            return (workers, _scheduler.Progress(running), UnrunnableLocked());
        }
    }
}
