namespace JobQueue.Dashboard;

/// <summary>
/// What the dashboard shows at one moment, taken every sample interval and never per task: the cluster's name, type
/// and address, its connected workers, its latest maps and task failures (oldest first).
/// </summary>
internal sealed record DashboardSnapshot(
    string Cluster, string Kind, string Address, IReadOnlyList<WorkerSample> Workers, IReadOnlyList<MapSample> Maps, IReadOnlyList<FailureSample> Errors)
{
    /// <summary>Items waiting for resources no connected worker has, per map, e.g. <c>map 3 (20 items): gpu=2</c>.</summary>
    public IReadOnlyList<string> Unrunnable { get; init; } = [];

    /// <summary>Tasks held back until their inputs (futures passed as arguments, upstream items) are done.</summary>
    public int DependenciesWaiting { get; init; }

    /// <summary>The batch jobs; empty outside a batch system.</summary>
    public IReadOnlyList<JobInfo> Jobs { get; init; } = [];

    /// <summary>The adaptive scaler's latest decision, or null when the cluster does not adapt.</summary>
    public AdaptDecision? Decision { get; init; }
}

/// <summary>
/// One connected worker: <c>TasksRunning</c> counts the items it holds (sent, result not back), <c>SinceHeard</c> the
/// time since its last message (heartbeats come every second), <c>Paused</c> whether it is above its memory pause fraction.
/// </summary>
internal sealed record WorkerSample(
    string Name, string Host, string JobId, int Threads, long MemoryLimit, long MemoryUsed, int TasksRunning, long TasksDone, TimeSpan SinceHeard, DateTimeOffset ConnectedAt,
    bool Paused = false)
{
    /// <summary>Its abstract resources (<c>WorkerResources</c>), with what its tasks hold of each.</summary>
    public IReadOnlyList<ResourceSample> Resources { get; init; } = [];
}

/// <summary>One abstract resource of a worker: how much its tasks hold, of how much it has.</summary>
internal sealed record ResourceSample(string Name, double InUse, double Total);

/// <summary>
/// One map's progress: <c>Done</c> counts items whose worker reported them or that failed (<c>Failed</c> included),
/// <c>Running</c> the items on workers now, <c>Cancelled</c> those cancelled before a worker got them.
/// </summary>
internal sealed record MapSample(long Number, int Items, int Done, int Failed, int Running, int Cancelled)
{
    /// <summary>Items neither finished nor on a worker: queued, or in a chunk not yet sent.</summary>
    public int Queued => Math.Max(0, Items - Done - Running - Cancelled);
}

/// <summary>A failed item: its map (-1 when unknown) and position, the worker it failed on, the remote exception's type, message and stack trace.</summary>
internal sealed record FailureSample(DateTimeOffset At, long Map, long Index, string Worker, string Type, string Message, string StackTrace);
