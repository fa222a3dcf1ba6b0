using JobQueue.JobScripts;

namespace JobQueue;

/// <summary>Worker processes on this machine: the embedded default, and the way to try code before a batch system.</summary>
public sealed class LocalCluster : Cluster
{
    /// <summary>Validates <paramref name="options"/>; starting workers happens on first use.</summary>
    /// <exception cref="ArgumentException">An option is out of range; the message names it and shows an accepted value.</exception>
    public LocalCluster(LocalOptions? options = null)
        : base(OptionChecks.ClusterName(options?.Name, nameof(LocalOptions)))
    {
        options ??= new LocalOptions();
        Workers = OptionChecks.Positive(options.Workers, nameof(LocalOptions), nameof(LocalOptions.Workers), "Workers = 2")
            ?? Environment.ProcessorCount;
        ThreadsPerWorker = OptionChecks.Positive(options.ThreadsPerWorker, nameof(LocalOptions), nameof(LocalOptions.ThreadsPerWorker), "ThreadsPerWorker = 1")
            ?? 1;
        MemoryLimitBytes = options.MemoryLimit is null
            ? null
            : MemorySize.Parse(options.MemoryLimit, $"{nameof(LocalOptions)}.{nameof(LocalOptions.MemoryLimit)}").Bytes;
    }

    /// <summary>How many worker processes this cluster runs.</summary>
    public int Workers { get; }

    /// <summary>How many tasks each worker runs at once.</summary>
    public int ThreadsPerWorker { get; }

    /// <summary>The memory limit of each worker in bytes, or null for none.</summary>
    public long? MemoryLimitBytes { get; }
}
