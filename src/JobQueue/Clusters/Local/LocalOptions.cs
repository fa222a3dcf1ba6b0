namespace JobQueue;

/// <summary>Settings of a <see cref="LocalCluster"/>: worker processes on this machine.</summary>
public sealed record LocalOptions : ClusterOptions
{
    /// <summary>Worker processes. <value>The default is one per processor.</value></summary>
    public int? Workers { get; init; }

    /// <summary>Tasks each worker runs at once. <value>The default is 1.</value></summary>
    public int? ThreadsPerWorker { get; init; }

    /// <summary>
    /// Memory each worker may use, e.g. <c>"4GB"</c>: it pauses and is restarted at <see cref="ClusterOptions.MemoryPauseFraction"/>
    /// and <see cref="ClusterOptions.MemoryTerminateFraction"/> of it. <value>The default is this machine's memory divided among the workers.</value>
    /// </summary>
    public string? MemoryLimit { get; init; }

    /// <summary>
    /// Scratch directory of the workers, where they also keep the code and values they were sent.
    /// <value>The default is the system's temporary directory.</value>
    /// </summary>
    public string? LocalDirectory { get; init; }
}
