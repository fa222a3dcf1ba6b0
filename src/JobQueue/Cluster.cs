namespace JobQueue;

/// <summary>
/// A set of worker processes that run the user's functions. Dispose it (<c>await using</c>) to stop
/// every worker and, on a batch system, cancel every job.
/// </summary>
public abstract class Cluster : IAsyncDisposable
{
    private protected Cluster(string name) => Name = name;

    /// <summary>The prefix of this cluster's worker names.</summary>
    public string Name { get; }

    /// <inheritdoc />
    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}
