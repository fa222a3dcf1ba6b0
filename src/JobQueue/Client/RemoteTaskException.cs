namespace JobQueue;

/// <summary>A task threw on its worker. The original type name, message and stack trace are kept.</summary>
public sealed class RemoteTaskException : Exception
{
    public RemoteTaskException(string remoteType, string message, string remoteStackTrace)
        : base(message)
    {
        RemoteType = remoteType;
        RemoteStackTrace = remoteStackTrace;
    }

    /// <summary>Full name of the exception type thrown on the worker, e.g. <c>System.InvalidOperationException</c>.</summary>
    public string RemoteType { get; }

    public string RemoteStackTrace { get; }

    public override string ToString() => $"{RemoteType}: {Message} (on a worker)\n{RemoteStackTrace}\n--- on the client ---\n{StackTrace}";
}
