namespace JobQueue;

/// <summary>
/// How <c>Cluster.MapPartitions</c> splits its items (parfun's <c>split</c>): each
/// array that <see cref="Split"/> yields is one call of the function, on one worker.
/// </summary>
public sealed class Partitioner<T>
{
    private readonly Func<IEnumerable<T>, IEnumerable<T[]>> _split;
    private readonly string _description;

    internal Partitioner(string description, Func<IEnumerable<T>, IEnumerable<T[]>> split)
    {
        _description = description;
        _split = split;
    }

    /// <summary>The partitions of <paramref name="items"/>, as the workers receive them: the sequential form is <c>combine(partitioner.Split(items).Select(function))</c>.</summary>
    public IEnumerable<T[]> Split(IEnumerable<T> items) => _split(items);

    /// <inheritdoc />
    public override string ToString() => _description;
}
