namespace JobQueue.Worker;

/// <summary>Why a worker process ended; its exit code.</summary>
internal enum WorkerExit
{
    /// <summary>Told to shut down or drained, or its LocalCluster client is gone.</summary>
    Done = 0,

    /// <summary>Its command line or secret file is unusable.</summary>
    BadSetup = 2,

    /// <summary>The peer at the coordinator address could not prove it knows the cluster secret.</summary>
    UntrustedCoordinator = 3,

    /// <summary>No coordinator answered within the death timeout.</summary>
    CoordinatorGone = 4,

    /// <summary>It went above its memory terminate fraction: its nanny restarts it.</summary>
    MemoryExceeded = 5,

    /// <summary>A nanny gave up: the job's workers kept dying soon after starting.</summary>
    WorkersKeptDying = 6,
}
