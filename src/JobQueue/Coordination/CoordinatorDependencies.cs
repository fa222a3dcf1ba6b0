using JobQueue.Protocol;

namespace JobQueue.Coordination;

/// <summary>The coordinator's side of tasks that take other tasks' results as arguments (<see cref="TaskDependencies"/>).</summary>
internal sealed partial class Coordinator
{
    private readonly TaskDependencies _dependencies = new();

    /// <summary>Tasks held back until their inputs are in, for the dashboard and <c>ToString()</c>.</summary>
    public int DependenciesWaiting
    {
        get
        {
            lock (_gate)
            {
                return _dependencies.Waiting;
            }
        }
    }

    /// <summary>
    /// Queues <paramref name="task"/> once every argument is in: <paramref name="values"/> holds those known now (encoded),
    /// and for each one left null <paramref name="inputs"/> names the task whose result it is. With <paramref name="framed"/>,
    /// the argument is the values joined by <see cref="ArgumentFrames"/>, else the one value.
    /// </summary>
    public void SubmitAfterInputs(TaskRecord task, byte[]?[] values, ulong?[] inputs, bool framed)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
            if (!task.Finished && _dependencies.Hold(task, values, inputs, framed))
            {
                _scheduler.Enqueue(task);
                _scheduler.Dispatch(_workers.Sessions);
            }
        }
    }

    /// <summary>Whether <paramref name="task"/> still waits for argument <paramref name="slot"/>: its input's result arrived before the task was held.</summary>
    public bool NeedsArgument(TaskRecord task, int slot)
    {
        lock (_gate)
        {
            return _dependencies.Needs(task, slot);
        }
    }

    /// <summary>Gives <paramref name="task"/> argument <paramref name="slot"/>, which the client had; queues the task if it was the last missing.</summary>
    public void FillArgument(TaskRecord task, int slot, byte[] value)
    {
        lock (_gate)
        {
            if (!_stopping.IsCancellationRequested && _dependencies.Fill(task, slot, value))
            {
                _scheduler.Enqueue(task);
                _scheduler.Dispatch(_workers.Sessions);
            }
        }
    }

    // Under the lock, from TakeResults: the results that waiting tasks need fill their arguments.
    private void QueueReadyDependents(WorkerSession producer, List<(TaskRecord[] Tasks, TaskResult Result)> completed)
    {
        if (_dependencies.Waiting == 0)
        {
            return;
        }

        var ready = new List<TaskRecord>();
        _dependencies.TakeResults(completed, producer, ready);
        ready.ForEach(_scheduler.Enqueue);
    }
}
