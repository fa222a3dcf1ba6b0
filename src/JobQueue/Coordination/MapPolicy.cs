namespace JobQueue.Coordination;

/// <summary>
/// How the scheduler treats a map's tasks, from its <see cref="MapOptions"/>: worker deaths allowed, reruns of items
/// that threw (all exception types when <see cref="RetryOn"/> is null), and the priority at dispatch (higher first).
/// </summary>
internal sealed record MapPolicy(int AllowedFailures, int Retries = 0, IReadOnlyCollection<string>? RetryOn = null, int Priority = 0)
{
    /// <summary>Whether an item that threw <paramref name="exceptionType"/> (a full name) on its <paramref name="attempt"/>-th run (from 1) runs again.</summary>
    public bool Reruns(string exceptionType, int attempt) =>
        attempt <= Retries && (RetryOn is null || RetryOn.Any(name => name == exceptionType || exceptionType.EndsWith("." + name, StringComparison.Ordinal) || exceptionType.EndsWith("+" + name, StringComparison.Ordinal)));
}
