using JobQueue.Coordination;

namespace JobQueue;

/// <summary>
/// Tasks whose arguments are other tasks' results (futures passed to <c>Submit</c>, the items of a pipelined <c>Map</c>):
/// the coordinator holds them back until those inputs are done and forwards the inputs' encoded results into them
/// (<see cref="TaskDependencies"/>). What the coordinator cannot know is settled here, as each input is decided: an
/// input that finished before its dependent was held gives its result from this side (kept encoded for a
/// <c>Submit</c>); one that failed or was cancelled fails its dependents with <see cref="DependencyFailedException"/>,
/// and so theirs in turn.
/// </summary>
internal static class DependentTasks
{
    /// <summary>Checks, before a map is begun for them, that the inputs are of the cluster of <paramref name="coordinator"/>.</summary>
    /// <exception cref="ArgumentException">An input is a future of another cluster.</exception>
    public static void CheckSameCluster(Coordinator coordinator, IEnumerable<IMapItems?> inputs)
    {
        if (inputs.Any(items => items?.Coordinator is { } other && other != coordinator))
        {
            throw new ArgumentException("A future of another cluster cannot be an argument here: pass futures of this cluster's Submit and Map.", nameof(inputs));
        }
    }

    /// <summary>Queues the one item of <paramref name="results"/> to run once each input is done, with their results as its arguments.</summary>
    public static void Submit<TResult>(Coordinator coordinator, MapItems<TResult> results, TaskInput[] inputs)
    {
        var task = new TaskRecord(results.Map, 0, [], results);
        results.Queued(0, coordinator, task);
        coordinator.SubmitAfterInputs(task, [.. inputs.Select(input => input.Value)], [.. inputs.Select(input => input.Items?.IdOf(input.Index))], framed: inputs.Length > 1);
        for (var slot = 0; slot < inputs.Length; slot++)
        {
            if (inputs[slot] is { Items: { } items, Index: var index })
            {
                var position = slot;
                items.WhenDecided(decided =>
                {
                    if (decided == index)
                    {
                        InputDecided(coordinator, task, position, items, index);
                    }
                });
                InputDecided(coordinator, task, position, items, index);
            }
        }
    }

    /// <summary>Queues item i of <paramref name="results"/> to run on the result of item i of <paramref name="upstream"/> as soon as that one is done.</summary>
    public static void Pipe<TResult>(Coordinator coordinator, MapItems<TResult> results, IMapItems upstream)
    {
        var tasks = new TaskRecord[results.Count];
        for (var index = 0; index < tasks.Length; index++)
        {
            tasks[index] = new TaskRecord(results.Map, index, [], results);
            results.Queued(index, coordinator, tasks[index]);
            coordinator.SubmitAfterInputs(tasks[index], [null], [upstream.IdOf(index)], framed: false);
        }

        upstream.WhenDecided(index => InputDecided(coordinator, tasks[index], 0, upstream, index));
        for (var index = 0; index < tasks.Length; index++)
        {
            InputDecided(coordinator, tasks[index], 0, upstream, index);
        }
    }

    private static void InputDecided(Coordinator coordinator, TaskRecord task, int slot, IMapItems items, long index)
    {
        switch (items.InputStateOf(index, out var error))
        {
            case InputState.Finished when coordinator.NeedsArgument(task, slot):
                coordinator.FillArgument(task, slot, items.EncodedResultOf(index));
                break;
            case InputState.Failed when coordinator.Cancel(task):
                ((ITaskOwner)task.Owner).SetException(task, new DependencyFailedException(new TaskKey(items.Map.Number, index), error!));
                break;
        }
    }
}
