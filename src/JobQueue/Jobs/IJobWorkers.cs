namespace JobQueue.Jobs;

/// <summary>What the job supervisor needs of its cluster's workers and coordinator.</summary>
internal interface IJobWorkers
{
    /// <summary>The connected workers.</summary>
    IReadOnlyList<WorkerInfo> Workers { get; }

    /// <summary>Starts the coordinator if it has not started; the address workers dial and the secret file they read.</summary>
    (string Address, string SecretPath) StartCoordinator();

    /// <summary>Retires the workers of these jobs gracefully: they hand back what they have not started and exit.</summary>
    void Drain(IReadOnlyCollection<string> jobIds);
}
