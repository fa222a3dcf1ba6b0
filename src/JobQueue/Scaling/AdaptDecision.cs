namespace JobQueue;

/// <summary>One decision of an adaptive cluster and why.</summary>
/// <param name="At">When it was taken.</param>
/// <param name="TargetJobs">How many jobs the cluster should have.</param>
/// <param name="PendingJobs">Jobs waiting in the queue at the time.</param>
/// <param name="RunningJobs">Jobs running at the time.</param>
/// <param name="QueuedTasks">Tasks waiting for a worker.</param>
/// <param name="RunningTasks">Tasks held by workers.</param>
/// <param name="MeanTaskDuration">The smoothed observed task duration, once tasks have finished.</param>
/// <param name="Reason">Why, in words.</param>
public sealed record AdaptDecision(
    DateTimeOffset At, int TargetJobs, int PendingJobs, int RunningJobs, int QueuedTasks, int RunningTasks, TimeSpan? MeanTaskDuration, string Reason)
{
    /// <summary>Running jobs whose workers have been idle for the idle timeout: the ones a scale-down removes.</summary>
    internal IReadOnlyCollection<string> IdleJobs { get; init; } = [];
}
