namespace JobQueue;

/// <summary>One batch job of a cluster, as the cluster last saw it.</summary>
/// <param name="Id">The batch system's id, e.g. <c>4242</c>, <c>4242_3</c> (Slurm array task) or <c>4242.3</c> (Grid Engine array task).</param>
/// <param name="State">Its state at the last poll, or as its workers showed since.</param>
/// <param name="Workers">Names of its connected workers.</param>
/// <param name="SubmittedAt">When the batch system accepted it.</param>
/// <param name="StartedAt">When it was first seen running, or its first worker connected.</param>
/// <param name="EndedAt">When it was first seen ended.</param>
/// <param name="ExitCode">Its exit code where the batch system reports one (128 + n for a signal n).</param>
/// <param name="Reason">Why it is pending or how it ended, where known, e.g. <c>Resources</c> or the submit command's error.</param>
public sealed record JobInfo(
    string Id,
    JobState State,
    IReadOnlyList<string> Workers,
    DateTimeOffset SubmittedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? EndedAt,
    int? ExitCode,
    string? Reason)
{
    /// <summary>Completed, Failed, Cancelled or Lost: the job holds no resources any more.</summary>
    public bool HasEnded => State >= JobState.Completed;
}
