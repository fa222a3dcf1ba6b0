using JobQueue.Dashboard;

namespace JobQueue;

/// <summary>The latest task failures, per failure and not per task, for the dashboard's error list.</summary>
internal sealed class RecentFailures
{
    private const int Kept = 50;

    private readonly Queue<FailureSample> _failures = new();
    private readonly Lock _gate = new();

    public void Add(FailureSample failure)
    {
        lock (_gate)
        {
            _failures.Enqueue(failure);
            if (_failures.Count > Kept)
            {
                _failures.Dequeue();
            }
        }
    }

    /// <summary>The failures kept, oldest first.</summary>
    public FailureSample[] Snapshot()
    {
        lock (_gate)
        {
            return [.. _failures];
        }
    }
}
