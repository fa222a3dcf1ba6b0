namespace JobQueue;

/// <summary>
/// A task threw on its worker. The original type name, message and stack trace are kept; with
/// <see cref="MapOptions.Retries"/>, every run that threw is in <see cref="Attempts"/> and named in the message.
/// </summary>
public sealed class RemoteTaskException : Exception
{
    public RemoteTaskException(string remoteType, string message, string remoteStackTrace)
        : this(remoteType, message, remoteStackTrace, null)
    {
    }

    // attempts: every run that threw, oldest first (the last is this one); null or one for a task run once.
    internal RemoteTaskException(string remoteType, string message, string remoteStackTrace, IReadOnlyList<TaskAttempt>? attempts)
        : base(attempts is { Count: > 1 } ? $"{message} (every one of {attempts.Count} runs threw: {string.Join("; ", attempts.Select((attempt, i) => $"run {i + 1} {attempt}"))})" : message)
    {
        RemoteType = remoteType;
        RemoteStackTrace = remoteStackTrace;
        Attempts = attempts ?? [];
    }

    /// <summary>Every run of the task that threw, oldest first, when its map allowed retries; else empty.</summary>
    public IReadOnlyList<TaskAttempt> Attempts { get; }

    /// <summary>Full name of the exception type thrown on the worker, e.g. <c>System.InvalidOperationException</c>.</summary>
    public string RemoteType { get; }

    public string RemoteStackTrace { get; }

    public override string ToString() => $"{RemoteType}: {Message} (on a worker)\n{RemoteStackTrace}\n--- on the client ---\n{StackTrace}";
}

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
