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
