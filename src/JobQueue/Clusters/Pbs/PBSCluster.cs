using JobQueue.Clusters.Pbs;
using JobQueue.Configuration;

namespace JobQueue;

/// <summary>Workers as PBS jobs (qsub, qstat, qdel).</summary>
public sealed class PBSCluster : JobQueueCluster
{
    /// <exception cref="ArgumentException">An option is missing or invalid; the message names it and shows an accepted value.</exception>
    public PBSCluster(PBSOptions options)
        : this(options, JobQueueConfig.FromEnvironment())
    {
    }

    internal PBSCluster(PBSOptions options, JobQueueConfig config)
        : base(options, PbsBatchSystem.Instance, config)
    {
    }
}
