namespace JobQueue.Coordination;

/// <summary>A connected worker as the dashboard shows it: how it registered, the items it holds, and how long it has been silent.</summary>
internal sealed record WorkerActivity(WorkerInfo Worker, int HeldItems, TimeSpan SinceHeard, IReadOnlyList<ResourceUse> Resources);

/// <summary>One abstract resource of a worker (<c>WorkerResources</c>): how much its partitions hold, of how much it has.</summary>
internal sealed record ResourceUse(string Name, double InUse, double Total);

/// <summary>
/// One map's progress: <c>Done</c> counts items whose worker reported them or that failed (<c>Failed</c> included),
/// <c>Running</c> the items on workers now, <c>Cancelled</c> those cancelled before a worker got them.
/// </summary>
internal sealed record MapProgress(long Number, int Items, int Done, int Failed, int Running, int Cancelled);
