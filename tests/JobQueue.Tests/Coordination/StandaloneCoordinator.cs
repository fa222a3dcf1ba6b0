using JobQueue.Coordination;
using Microsoft.Extensions.Logging.Abstractions;

namespace JobQueue.Tests.Coordination;

/// <summary>A coordinator without a cluster around it, whose tasks complete futures as a cluster's do.</summary>
internal static class StandaloneCoordinator
{
    public static Coordinator Start(CoordinatorSettings settings) =>
        Coordinator.Start(settings, new FutureCompletion((_, _) => { }), NullLogger.Instance);

    /// <summary>Queues the items of <paramref name="map"/> from the first on, each completing its future.</summary>
    public static void Submit(this Coordinator coordinator, MapState map, IReadOnlyList<(Future Future, byte[] Argument)> items)
    {
        var tasks = new TaskRecord[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            tasks[i] = new TaskRecord(map, i, items[i].Argument, items[i].Future);
            items[i].Future.Bind(coordinator, tasks[i]);
        }

        coordinator.Submit(tasks);
    }
}
