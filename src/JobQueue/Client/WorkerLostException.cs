namespace JobQueue;

/// <summary>A task's workers kept dying while it ran (dask's KilledWorker): the task may be what kills them.</summary>
public sealed class WorkerLostException : Exception
{
    public WorkerLostException(IReadOnlyList<string> workers)
        : base($"The task was lost with {workers.Count} workers that died while holding it ({string.Join(", ", workers)}); it may be what crashes them, e.g. by running out of memory.") =>
        Workers = workers;

    /// <summary>Names of the workers that died holding the task, oldest first.</summary>
    public IReadOnlyList<string> Workers { get; }
}
