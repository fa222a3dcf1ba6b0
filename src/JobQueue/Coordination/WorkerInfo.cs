namespace JobQueue;

/// <summary>A connected worker, as it registered and as the coordinator saw it since.</summary>
/// <param name="Name">Its name, e.g. <c>chem-3-1</c>.</param>
/// <param name="Host">The machine it runs on.</param>
/// <param name="JobId">The batch job that runs it, or empty outside one.</param>
/// <param name="Threads">Tasks it runs at once.</param>
/// <param name="MemoryLimit">Its memory limit in bytes.</param>
/// <param name="ProcessId">Its process id on <paramref name="Host"/>.</param>
/// <param name="TasksDone">Tasks it finished.</param>
/// <param name="ResidentMemory">Memory it used at its last heartbeat, in bytes.</param>
/// <param name="ConnectedAt">When it registered.</param>
/// <param name="Paused">
/// Above its memory pause fraction (<see cref="ClusterOptions.MemoryPauseFraction"/>) at its last heartbeat: it takes no
/// new tasks until its memory is back under.
/// </param>
public sealed record WorkerInfo(
    string Name, string Host, string JobId, int Threads, long MemoryLimit, int ProcessId, long TasksDone, long ResidentMemory, DateTimeOffset ConnectedAt,
    bool Paused = false);
