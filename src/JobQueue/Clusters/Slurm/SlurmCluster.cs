using JobQueue.Clusters.Slurm;
using JobQueue.Configuration;

namespace JobQueue;

/// <summary>Workers as Slurm jobs (sbatch, squeue, scancel).</summary>
public sealed class SlurmCluster : JobQueueCluster
{
    /// <exception cref="ArgumentException">An option is missing or invalid; the message names it and shows an accepted value.</exception>
    public SlurmCluster(SlurmOptions options)
        : this(options, JobQueueConfig.FromEnvironment())
    {
    }

    internal SlurmCluster(SlurmOptions options, JobQueueConfig config)
        : base(options, SlurmBatchSystem.Instance, config)
    {
    }
}
