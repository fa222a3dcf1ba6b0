using JobQueue.Clusters.GridEngine;
using JobQueue.Configuration;

namespace JobQueue;

/// <summary>Workers as Grid Engine jobs (qsub, qstat, qdel).</summary>
public sealed class SGECluster : JobQueueCluster
{
    /// <exception cref="ArgumentException">An option is missing or invalid; the message names it and shows an accepted value.</exception>
    public SGECluster(SGEOptions options)
        : this(options, JobQueueConfig.FromEnvironment())
    {
    }

    internal SGECluster(SGEOptions options, JobQueueConfig config)
        : base(options, SgeBatchSystem.Instance, config)
    {
    }
}
