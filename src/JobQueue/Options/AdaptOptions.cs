namespace JobQueue;

/// <summary>
/// Bounds and pace of <see cref="JobQueueCluster.Adapt(AdaptOptions)"/>. Bounds in workers, jobs, cores and memory may
/// be mixed; all of them hold. Workers come in whole jobs.
/// </summary>
public sealed record AdaptOptions
{
    /// <summary>Fewest workers, also with no work.</summary>
    public int Min { get; init; }

    /// <summary>Most workers.</summary>
    public int Max { get; init; } = int.MaxValue;

    public int? MinJobs { get; init; }
    public int? MaxJobs { get; init; }
    public int? MinCores { get; init; }
    public int? MaxCores { get; init; }

    /// <summary>Least memory, e.g. <c>"100GB"</c>.</summary>
    public string? MinMemory { get; init; }

    /// <summary>Most memory, e.g. <c>"1TB"</c>.</summary>
    public string? MaxMemory { get; init; }

    /// <summary>How often to decide. <value>The default is 1 second.</value></summary>
    public TimeSpan? Interval { get; init; }

    /// <summary>Consecutive decisions that must ask for fewer jobs before any is removed. <value>The default is 3.</value></summary>
    public int WaitCount { get; init; } = 3;

    /// <summary>Aim for enough workers to finish the queued and running work in about this long. <value>The default is 5 seconds.</value></summary>
    public TimeSpan? TargetDuration { get; init; }

    /// <summary>Only jobs whose workers have had no task for this long are removed. <value>The default is 60 seconds.</value></summary>
    public TimeSpan? IdleTimeout { get; init; }

    /// <summary>Most jobs waiting in the batch system's queue at once. <value>The default is 4.</value></summary>
    public int? MaxPendingJobs { get; init; }
}
