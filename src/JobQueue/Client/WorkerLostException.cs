namespace JobQueue;

/// <summary>A task's workers kept dying while it ran (dask's KilledWorker): the task may be what kills them.</summary>
public sealed class WorkerLostException : Exception
{
    /// <param name="workers">The workers that died holding the task, oldest first.</param>
    /// <param name="cause">Why the last one died, when it said so, e.g. <c>worker w-0 exceeded its memory limit while running it (291 MB used, limit 300 MB)</c>.</param>
    public WorkerLostException(IReadOnlyList<string> workers, string? cause = null)
        : base(cause is null
            ? $"The task was lost with {workers.Count} workers that died while holding it ({string.Join(", ", workers)}); it may be what crashes them, e.g. by running out of memory."
            : $"The task was lost with {workers.Count} workers that died while holding it ({string.Join(", ", workers)}): {cause}.") =>
        Workers = workers;

    /// <summary>Names of the workers that died holding the task, oldest first.</summary>
    public IReadOnlyList<string> Workers { get; }
}
