namespace JobQueue;

/// <summary>Which item a task is: the map's number within its cluster (from 0, in the order maps were made) and the item's index in it.</summary>
/// <param name="Map">The map's number: the cluster's first <c>Map</c>, <c>Submit</c> or <c>MapPartitions</c> is 0.</param>
/// <param name="Index">The item's position in the map's items (a partition's position for <c>MapPartitions</c>).</param>
public readonly record struct TaskKey(long Map, long Index)
{
    /// <inheritdoc />
    public override string ToString() => $"map {Map}, item {Index}";
}
