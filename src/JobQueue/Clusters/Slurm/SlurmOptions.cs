namespace JobQueue;

/// <summary>Settings of a <see cref="SlurmCluster"/>.</summary>
public sealed record SlurmOptions : JobQueueOptions
{
    /// <summary>CPUs to request (<c>--cpus-per-task</c>) when they differ from <see cref="JobQueueOptions.Cores"/>.</summary>
    public int? JobCpu { get; init; }

    /// <summary>Memory to request, written as given (e.g. <c>"30G"</c>), when it differs from <see cref="JobQueueOptions.Memory"/>.</summary>
    public string? JobMem { get; init; }

    /// <summary>How memory is requested. <value>The default is <see cref="SlurmMemoryDirective.Mem"/>.</value></summary>
    public SlurmMemoryDirective? MemoryDirective { get; init; }
}
