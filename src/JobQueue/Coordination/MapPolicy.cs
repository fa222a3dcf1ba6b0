namespace JobQueue.Coordination;

/// <summary>
/// How the scheduler treats a map's tasks, from its <see cref="MapOptions"/>: worker deaths allowed, reruns of items
/// that threw (all exception types when <see cref="RetryOn"/> is null), the priority at dispatch (higher first),
/// whether each task is for one worker only, and the abstract resources each task holds while it runs.
/// </summary>
internal sealed record MapPolicy(int AllowedFailures, int Retries = 0, IReadOnlyCollection<string>? RetryOn = null, int Priority = 0, bool OnThisWorker = false,
    IReadOnlyDictionary<string, double>? Resources = null)
{
    /// <summary>Tasks sent each to one worker (<c>RunOnEachWorker</c>): one that the worker does not run fails, naming it, and never runs elsewhere.</summary>
    public static MapPolicy EachWorker { get; } = new(AllowedFailures: 1, OnThisWorker: true);

    /// <summary>Whether an item that threw <paramref name="exceptionType"/> (a full name) on its <paramref name="attempt"/>-th run (from 1) runs again.</summary>
    public bool Reruns(string exceptionType, int attempt) =>
        attempt <= Retries && (RetryOn is null || RetryOn.Any(name => name == exceptionType || exceptionType.EndsWith("." + name, StringComparison.Ordinal) || exceptionType.EndsWith("+" + name, StringComparison.Ordinal)));
}
