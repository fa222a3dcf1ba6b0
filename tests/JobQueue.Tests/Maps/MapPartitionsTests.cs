namespace JobQueue.Tests.Maps;

public sealed class MapPartitionsTests
{
    public sealed record Sale(string Country, int Amount);

    [Fact]
    public async Task Partitions_by_key_with_a_combine_give_the_sequential_result()
    {
        var countries = new[] { "NL", "DE", "US", "CN", "FR", "CH", "JP" };
        var sales = Enumerable.Range(0, 5000).Select(i => new Sale(countries[(i * 7919) % countries.Length], (i * 31) % 997)).ToArray();
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 2 });
        var byCountry = Partitioner.ByKey((Sale sale) => sale.Country);
        Func<Sale[], (string, long, int)> summarize = group => (group[0].Country, group.Sum(sale => (long)sale.Amount), group.Length);
        Func<IEnumerable<(string Country, long Total, int Count)>, Dictionary<string, (long, int)>> combine =
            partials => partials.ToDictionary(partial => partial.Country, partial => (partial.Total, partial.Count));

        var combined = cluster.MapPartitions(summarize, sales, byCountry, combine);
        var result = await combined;

        var linq = sales.GroupBy(sale => sale.Country).ToDictionary(group => group.Key, group => (group.Sum(sale => (long)sale.Amount), group.Count()));
        Assert.Equal(linq, result);
        Assert.Equal(combine(byCountry.Split(sales).Select(summarize)), result);
        Assert.Equal(countries.Length, combined.Profile.Items);
        Assert.Contains("combining", combined.Profile.ToString());
    }

    [Fact]
    public async Task Partitions_by_chunk_cover_every_item_once_in_order()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 2 });

        var combined = cluster.MapPartitions((int[] chunk) => chunk, Enumerable.Range(0, 10_001), Partitioner.ByChunk<int>(1000), chunks => chunks.SelectMany(chunk => chunk).ToArray());

        Assert.Equal(Enumerable.Range(0, 10_001), await combined);
        Assert.Equal(11, combined.Profile.Items);
    }

    [Fact]
    public async Task A_failing_partition_fails_the_combined_result_with_its_error()
    {
        await using var cluster = new LocalCluster(new LocalOptions { Workers = 1 });

        var combined = cluster.MapPartitions((int[] chunk) => chunk.Contains(42) ? throw new ArgumentException("no 42") : chunk.Sum(), Enumerable.Range(0, 100), Partitioner.ByChunk<int>(10), sums => sums.Sum());

        var error = await Assert.ThrowsAsync<RemoteTaskException>(() => combined.AsTask());
        Assert.Equal("no 42", error.Message);
    }

    [Fact]
    public void A_chunk_size_below_one_is_refused_with_an_example()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Partitioner.ByChunk<int>(0));
        Assert.Contains("Partitioner.ByChunk<double>(1000)", error.Message);
    }
}
