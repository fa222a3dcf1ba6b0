namespace JobQueue;

/// <summary>Where a batch job is in its life, as the cluster last saw it.</summary>
public enum JobState
{
    /// <summary>The batch system accepted the job; it has not been seen in the queue yet.</summary>
    Submitted,

    /// <summary>Queued, waiting for resources (or held).</summary>
    Pending,

    /// <summary>Running on a node; its workers may still be starting.</summary>
    Running,

    /// <summary>Ended with exit code 0, or ended after its workers had worked.</summary>
    Completed,

    /// <summary>Ended with a non-zero exit code, an error state, or before any of its workers connected.</summary>
    Failed,

    /// <summary>Cancelled, by this cluster (scale-down, dispose) or from outside (<c>scancel</c>, <c>qdel</c>).</summary>
    Cancelled,

    /// <summary>The batch system forgot the job without having listed it as ended (Slurm lists ended jobs for a while).</summary>
    Lost,
}
