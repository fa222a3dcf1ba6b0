using System.Diagnostics;
using System.Threading.Channels;
using JobQueue.Coordination;
using JobQueue.Protocol;
using JobQueue.Dashboard;

namespace JobQueue;

/// <summary>
/// The client side of <see cref="ICoordinatorEvents"/>: completes each task through its owner (<see cref="ITaskOwner"/>). Results are
/// decoded here, on one loop of its own rather than on the workers' network threads, in the order they arrived;
/// disposing waits until every result that arrived has completed its future (and reached its checkpoint).
/// </summary>
internal sealed class FutureCompletion : ICoordinatorEvents, IAsyncDisposable
{
    private readonly Channel<(IReadOnlyList<(TaskRecord[] Tasks, TaskResult Result)> Partitions, string Worker)> _arrived =
        Channel.CreateUnbounded<(IReadOnlyList<(TaskRecord[], TaskResult)>, string)>(new UnboundedChannelOptions { SingleReader = true });

    private readonly Action<WorkerInfo, bool> _workerChanged;
    private readonly Task _completing;

    /// <param name="workerChanged">Told of each worker that registers (true) or leaves (false).</param>
    public FutureCompletion(Action<WorkerInfo, bool> workerChanged)
    {
        _workerChanged = workerChanged;
        _completing = Task.Run(CompleteArrivedAsync);
    }

    public RecentFailures Failures { get; } = new();

    public void ResultsArrived(IReadOnlyList<(TaskRecord[] Tasks, TaskResult Result)> partitions, string worker) =>
        _arrived.Writer.TryWrite((partitions, worker));

    public void TaskLost(TaskRecord task, IReadOnlyList<string> workers, string? cause)
    {
        var exception = new WorkerLostException(workers, cause);
        ((ITaskOwner)task.Owner).SetException(task, exception);
        RecordFailure(task, workers[^1], typeof(WorkerLostException).FullName!, exception.Message, "");
    }

    public void TaskAbandoned(TaskRecord task, Exception reason) => ((ITaskOwner)task.Owner).SetException(task, reason);

    public void WorkerChanged(WorkerInfo worker, bool connected) => _workerChanged(worker, connected);

    public async ValueTask DisposeAsync()
    {
        _arrived.Writer.TryComplete();
        await _completing.ConfigureAwait(false);
    }

    private async Task CompleteArrivedAsync()
    {
        var reader = _arrived.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var arrival))
            {
                // Indexed: a foreach over the interface would allocate an enumerator for every arrival.
                for (var i = 0; i < arrival.Partitions.Count; i++)
                {
                    var (tasks, result) = arrival.Partitions[i];
                    var started = Stopwatch.GetTimestamp();
                    Complete(tasks, result, arrival.Worker);
                    tasks[0].Map.Statistics.AddMessaging(started);
                }
            }
        }
    }

    /// <summary>
    /// Completes each reported task of a partition with its own value, error or cancellation. What a worker sent is
    /// not trusted to be well formed: a bad item fails its own future, and the partition's other items complete.
    /// </summary>
    private void Complete(TaskRecord[] tasks, TaskResult result, string worker)
    {
        var values = result.Values.Span;
        var (errors, cancellations, retried) = (result.Failures?.Errors, result.Failures?.Cancelled, result.Failures?.Retried);
        var (start, error, cancelled, rerun) = (0L, 0, 0, 0);
        for (var i = 0; i < result.ValueEnds.Count && i < tasks.Length; i++)
        {
            long end = result.ValueEnds[i];
            var (task, owner) = (tasks[i], (ITaskOwner)tasks[i].Owner);
            if (errors is not null && error < errors.Count && errors[error].Item == i)
            {
                var thrown = errors[error++].Error;
                RecordFailure(tasks[i], worker, thrown.Type, thrown.Message, thrown.StackTrace);

                // A run that threw and runs again (MapOptions.Retries) leaves its future waiting.
                if (retried is not null && rerun < retried.Count && retried[rerun] == i)
                {
                    rerun++;
                }
                else
                {
                    owner.SetException(task, new RemoteTaskException(thrown.Type, thrown.Message, thrown.StackTrace, task.FailedAttempts));
                }
            }
            else if (cancellations is not null && cancelled < cancellations.Count && cancellations[cancelled] == i)
            {
                cancelled++;
                owner.SetCancelled(task);
            }
            else if (end < start || end > values.Length)
            {
                var problem = end < start ? $"its value ends at byte {end}, before it starts at byte {start}" : $"its value ends at byte {end}, past the end of the values sent ({values.Length} bytes)";
                FailMalformed(tasks[i], worker, $"Worker {worker} sent a malformed result for item {tasks[i].Index} of map {tasks[i].Map.Number}: {problem}.");
            }
            else
            {
                SetResult(task, values[(int)start..(int)end], worker);
            }

            start = end;
        }
    }

    private void SetResult(TaskRecord task, ReadOnlySpan<byte> value, string worker)
    {
        try
        {
            ((ITaskOwner)task.Owner).SetResult(task, value);
        }
        catch (Exception exception)
        {
            // Decoding refuses bad bytes with its own exceptions, which the future reports; anything else escaping
            // it must still fail only this item: were this loop to end, every later result would stay pending.
            FailMalformed(task, worker, $"The result of item {task.Index} of map {task.Map.Number} from worker {worker} could not be decoded: {exception.GetType().Name}: {exception.Message}");
        }
    }

    private void FailMalformed(TaskRecord task, string worker, string message)
    {
        var type = typeof(InvalidDataException).FullName!;
        ((ITaskOwner)task.Owner).SetException(task, new RemoteTaskException(type, message, ""));
        RecordFailure(task, worker, type, message, "");
    }

    private void RecordFailure(TaskRecord task, string worker, string type, string message, string stackTrace) =>
        Failures.Add(new FailureSample(DateTimeOffset.UtcNow, task.Map.Number, task.Index, worker, type, message, stackTrace));
}
