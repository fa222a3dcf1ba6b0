namespace JobQueue;

/// <summary>The partitioners of <c>Cluster.MapPartitions</c>.</summary>
public static class Partitioner
{
    /// <summary>Consecutive runs of <paramref name="size"/> items (the last may be shorter), like <c>items.Chunk(size)</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is below 1.</exception>
    public static Partitioner<T> ByChunk<T>(int size) =>
        size >= 1
            ? new Partitioner<T>($"ByChunk({size})", items => items.Chunk(size))
            : throw new ArgumentOutOfRangeException(nameof(size), size, $"Partitioner.ByChunk size = {size} must be at least 1 item per partition, e.g. Partitioner.ByChunk<double>(1000).");

    /// <summary>
    /// One partition per distinct key, its items in their order, partitions in the order their keys first appear,
    /// like <c>items.GroupBy(key)</c>: e.g. <c>Partitioner.ByKey((Sale sale) =&gt; sale.Country)</c>.
    /// </summary>
    public static Partitioner<T> ByKey<T, TKey>(Func<T, TKey> key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return new Partitioner<T>("ByKey", items => items.GroupBy(key).Select(group => group.ToArray()));
    }
}
