using JobQueue.Protocol;

namespace JobQueue.Coordination;

/// <summary>
/// How the coordinator tells the client side what happened to tasks and workers. It knows nothing of futures,
/// checkpoints or dashboards: whoever submits tasks implements this once and finds its own handle in
/// <see cref="TaskRecord.Owner"/>. Each task is reported once: by results, as lost, or as abandoned.
/// </summary>
internal interface ICoordinatorEvents
{
    /// <summary>
    /// Results of partitions arrived from <paramref name="worker"/>: for each, the values, errors and cancellations of
    /// the first <c>ValueEnds.Count</c> tasks. Called on the worker's network read loop: decode elsewhere.
    /// </summary>
    void ResultsArrived(IReadOnlyList<(TaskRecord[] Tasks, TaskResult Result)> partitions, string worker);

    /// <summary>
    /// The task's workers kept dying while it ran (as many as its map allows failures); <paramref name="cause"/> says
    /// why the last one died when it said so (e.g. <c>worker w-0 exceeded its memory limit while running it (...)</c>), else null.
    /// </summary>
    void TaskLost(TaskRecord task, IReadOnlyList<string> workers, string? cause);

    /// <summary>The task will not run: no worker can start, or the coordinator stopped before it finished.</summary>
    void TaskAbandoned(TaskRecord task, Exception reason);

    /// <summary>A worker registered (true) or its connection ended (false); called outside the coordinator's lock.</summary>
    void WorkerChanged(WorkerInfo worker, bool connected);
}
