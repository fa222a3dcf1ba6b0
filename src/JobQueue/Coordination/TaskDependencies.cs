using JobQueue.Protocol;

namespace JobQueue.Coordination;

/// <summary>
/// Tasks held back until the results of other tasks (their inputs, known by task id) are in. A result that a waiting
/// task needs is copied, still encoded, into its argument slot as it arrives (the client never decodes it); once no
/// slot is missing the task gets its argument, one value or <see cref="ArgumentFrames"/> of several, and is queued,
/// preferring the worker that produced its largest input. An input that fails or is cancelled is the client's to
/// report: it drops the task (<see cref="Drop"/>). Not thread-safe: the coordinator calls it under its lock.
/// </summary>
internal sealed class TaskDependencies
{
    private readonly Dictionary<ulong, List<(Dependent Dependent, int Slot)>> _byInput = [];
    private readonly Dictionary<TaskRecord, Dependent> _waiting = [];

    /// <summary>Tasks held back for their inputs.</summary>
    public int Waiting => _waiting.Count;

    /// <summary>
    /// Holds <paramref name="task"/> back until each slot of <paramref name="values"/> left null is filled by the
    /// result of the task whose id <paramref name="inputs"/> gives for it. True when none is missing: the task has
    /// its argument and is to be queued now.
    /// </summary>
    public bool Hold(TaskRecord task, byte[]?[] values, ulong?[] inputs, bool framed)
    {
        var dependent = new Dependent(task, values, inputs, framed);
        for (var slot = 0; slot < values.Length; slot++)
        {
            if (values[slot] is null)
            {
                dependent.Missing++;
                var id = inputs[slot] ?? throw new ArgumentException($"Argument {slot} has neither a value nor an input.", nameof(inputs));
                if (!_byInput.TryGetValue(id, out var waiting))
                {
                    _byInput[id] = waiting = [];
                }

                waiting.Add((dependent, slot));
            }
        }

        if (dependent.Missing == 0)
        {
            dependent.SetArgument();
            return true;
        }

        _waiting[task] = dependent;
        return false;
    }

    /// <summary>Whether <paramref name="task"/> still waits for the value of argument <paramref name="slot"/>.</summary>
    public bool Needs(TaskRecord task, int slot) => _waiting.TryGetValue(task, out var dependent) && dependent.Values[slot] is null;

    /// <summary>Fills a slot with a value the client had (its input finished before the task was held); true when the task became ready.</summary>
    public bool Fill(TaskRecord task, int slot, byte[] value)
    {
        if (!_waiting.TryGetValue(task, out var dependent) || dependent.Values[slot] is not null)
        {
            return false;
        }

        Unregister(dependent, slot);
        return Fill(dependent, slot, value, producer: null);
    }

    /// <summary>The values among <paramref name="completed"/> that waiting tasks need fill their slots; tasks that became ready go to <paramref name="ready"/>.</summary>
    public void TakeResults(IReadOnlyList<(TaskRecord[] Tasks, TaskResult Result)> completed, WorkerSession producer, List<TaskRecord> ready)
    {
        if (_byInput.Count == 0)
        {
            return;
        }

        foreach (var (tasks, result) in completed)
        {
            for (var i = 0; i < tasks.Length && i < result.ValueEnds.Count; i++)
            {
                if (!_byInput.TryGetValue(tasks[i].Id, out var waiting) || ValueOf(result, i) is not { } value)
                {
                    continue;
                }

                // One copy for all its dependents: arguments are only read once made.
                _byInput.Remove(tasks[i].Id);
                var bytes = value.ToArray();
                foreach (var (dependent, slot) in waiting)
                {
                    if (Fill(dependent, slot, bytes, producer))
                    {
                        ready.Add(dependent.Task);
                    }
                }
            }
        }
    }

    /// <summary>Forgets <paramref name="task"/>: it was cancelled, or an input failed.</summary>
    public void Drop(TaskRecord task)
    {
        if (!_waiting.Remove(task, out var dependent))
        {
            return;
        }

        for (var slot = 0; slot < dependent.Values.Length; slot++)
        {
            if (dependent.Values[slot] is null)
            {
                Unregister(dependent, slot);
            }
        }
    }

    /// <summary>Forgets every waiting task and returns them: the coordinator stops.</summary>
    public List<TaskRecord> TakeAll()
    {
        List<TaskRecord> waiting = [.. _waiting.Keys];
        _waiting.Clear();
        _byInput.Clear();
        return waiting;
    }

    // The value of the partition's item at position i when it succeeded (not an error, retried or not, nor a cancellation) and is well formed.
    private static ReadOnlyMemory<byte>? ValueOf(TaskResult result, int i)
    {
        if (result.Failures is { } failures && (failures.Errors.Any(failure => failure.Item == i) || failures.Cancelled.Contains((uint)i)))
        {
            return null;
        }

        var start = i == 0 ? 0 : (long)result.ValueEnds[i - 1];
        var end = (long)result.ValueEnds[i];
        return start <= end && end <= result.Values.Length ? result.Values.Memory[(int)start..(int)end] : null;
    }

    private bool Fill(Dependent dependent, int slot, byte[] value, WorkerSession? producer)
    {
        dependent.Values[slot] = value;
        if (producer is not null && value.Length >= dependent.LargestInput)
        {
            dependent.LargestInput = value.Length;
            dependent.Task.PreferredWorker = producer;
        }

        if (--dependent.Missing > 0 || dependent.Task.Finished)
        {
            return false;
        }

        _waiting.Remove(dependent.Task);
        dependent.SetArgument();
        return true;
    }

    private void Unregister(Dependent dependent, int slot)
    {
        var id = dependent.Inputs[slot]!.Value;
        if (_byInput.TryGetValue(id, out var waiting))
        {
            waiting.RemoveAll(entry => entry.Dependent == dependent && entry.Slot == slot);
            if (waiting.Count == 0)
            {
                _byInput.Remove(id);
            }
        }
    }

    private sealed class Dependent(TaskRecord task, byte[]?[] values, ulong?[] inputs, bool framed)
    {
        public TaskRecord Task { get; } = task;

        public byte[]?[] Values { get; } = values;

        public ulong?[] Inputs { get; } = inputs;

        public int Missing { get; set; }

        public int LargestInput { get; set; } = -1;

        public void SetArgument() => Task.Argument = framed ? ArgumentFrames.Join([.. Values.Select(value => value!)]) : Values[0]!;
    }
}
