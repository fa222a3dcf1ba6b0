namespace JobQueue.Scaling;

/// <summary>What adaptive scaling reads from and sets on its batch cluster.</summary>
internal interface IAdaptiveCluster
{
    /// <summary>The work waiting and running, and the jobs, now.</summary>
    AdaptiveLoad AdaptiveLoad();

    /// <summary>Sets the job target for <paramref name="adaptive"/>, unless a Scale or another Adapt has replaced it since.</summary>
    void SetAdaptiveTarget(Adaptive adaptive, int jobs, IReadOnlyCollection<string> idleJobs);
}
