namespace JobQueue;

/// <summary>
/// A batch job ended before any of its workers connected (a failing prologue, a missing WorkerHost, a coordinator
/// address the node cannot reach), or the batch system refused a submission. The message holds the job's state,
/// exit code and the end of its log.
/// </summary>
public sealed class WorkersDidNotStartException : Exception
{
    public WorkersDidNotStartException(JobInfo job, string logTail, Exception? innerException = null)
        : base(Describe(job, logTail), innerException)
    {
        Job = job;
        LogTail = logTail;
    }

    /// <summary>A worker process of a <see cref="LocalCluster"/> that keeps exiting before it connects.</summary>
    internal WorkersDidNotStartException(JobInfo worker, int attempts, string standardErrorTail)
        : base($"Worker {worker.Id} exited with code {worker.ExitCode} before connecting, {attempts} times in a row. The end of its standard error:\n{standardErrorTail}")
    {
        Job = worker;
        LogTail = standardErrorTail;
    }

    /// <summary>The job as it was when it ended.</summary>
    public JobInfo Job { get; }

    /// <summary>The last lines of the job's standard output and error, or a note why there are none.</summary>
    public string LogTail { get; }

    private static string Describe(JobInfo job, string logTail) =>
        $"Job {job.Id} ended {job.State}{(job.ExitCode is { } code ? $" with exit code {code}" : "")} before any of its workers connected"
        + (job.Reason is { Length: > 0 } reason ? $" ({reason})" : "")
        + $". The end of its log:\n{logTail}";
}
