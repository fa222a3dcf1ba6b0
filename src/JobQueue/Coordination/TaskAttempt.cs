namespace JobQueue;

/// <summary>One run of a task that threw (<see cref="MapOptions.Retries"/>): the worker, the exception's full type name and its message.</summary>
public sealed record TaskAttempt(string Worker, string ExceptionType, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"on {Worker}: {ExceptionType}: {Message}";
}
