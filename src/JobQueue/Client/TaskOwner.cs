using JobQueue.Checkpoints;
using JobQueue.Coordination;

namespace JobQueue;

/// <summary>
/// The client's handle for the tasks it queues, found in <see cref="TaskRecord.Owner"/>: a <see cref="Future"/> that owns
/// one task, or the items of a whole map, which tell their tasks apart by <see cref="TaskRecord.Index"/>.
/// </summary>
internal interface ITaskOwner
{
    /// <summary>Decodes and keeps the task's result (after its checkpoint stored it); ignored once the task was decided.</summary>
    void SetResult(TaskRecord task, ReadOnlySpan<byte> value);

    void SetException(TaskRecord task, Exception exception);

    void SetCancelled(TaskRecord task);
}

/// <summary>What <see cref="MapSubmission.Prepare{T}"/> needs of the items it turns into tasks, by their index in the map.</summary>
internal interface IItemSlots
{
    /// <summary>The item was decided before it was sent: cancelled, or resumed from the checkpoint.</summary>
    bool IsDecided(long index);

    /// <summary>Where the item's result is to be stored before it is decided; null for nowhere.</summary>
    void SetCheckpoint(long index, CheckpointEntry? entry);

    /// <summary>Decides the item from the result the checkpoint holds.</summary>
    void Resume(long index, byte[] stored);

    /// <summary>What the item's task reports to.</summary>
    ITaskOwner OwnerOf(long index);

    /// <summary>The item goes to <paramref name="coordinator"/> as <paramref name="task"/>, which is how it is cancelled from now on.</summary>
    void Queued(long index, Coordinator coordinator, TaskRecord task);
}

/// <summary>What a map item's <see cref="Future"/> asks of the map that holds the item.</summary>
internal interface IMapItems
{
    MapState Map { get; }

    /// <summary>The coordinator the items went to; null until one was sent.</summary>
    Coordinator? Coordinator { get; }

    /// <summary>Results decoded here so far: a diagnostic counter.</summary>
    long ResultsDecoded { get; }

    ulong IdOf(long index);

    /// <summary>Calls <paramref name="listener"/> with the index of each item decided from now on.</summary>
    void WhenDecided(Action<long> listener);

    /// <summary>Where the item stands, for a task that takes its result as an argument.</summary>
    InputState InputStateOf(long index, out Exception? error);

    /// <summary>A finished item's result, encoded: as the worker sent it when it was kept so.</summary>
    byte[] EncodedResultOf(long index);

    bool IsOnWorker(long index);

    void Cancel(long index);
}

/// <summary>Where a task's input (an item of a map or a <c>Submit</c>) stands.</summary>
internal enum InputState
{
    Pending,
    Finished,

    /// <summary>Failed or cancelled.</summary>
    Failed,
}
