namespace JobQueue.Coordination;

/// <summary>Consecutive tasks of one map, sent to one worker as one <see cref="Protocol.TaskSpec"/>; its id is its first task's.</summary>
internal sealed class Partition(MapState map, TaskRecord[] tasks)
{
    public MapState Map { get; } = map;

    public TaskRecord[] Tasks { get; } = tasks;

    public ulong Id => Tasks[0].Id;
}
