using JobQueue.Maps;

namespace JobQueue.Tests.Maps;

public sealed class PartitionSizerTests
{
    [Fact]
    public void It_starts_with_single_items_then_at_most_doubles_towards_the_estimate()
    {
        var sizer = new PartitionSizer(fixedSize: null);
        Assert.Equal(1, sizer.Next(undispatched: 1_000_000, threads: 4));
        Assert.Equal(1, sizer.Next(1_000_000, 4));

        sizer.Observe(items: 2, seconds: 2e-6); // 1 us per item: 1 ms partitions hold 1000 items
        var sizes = Enumerable.Range(0, 12).Select(_ => sizer.Next(1_000_000, 4)).ToArray();

        Assert.Equal([2, 4, 8, 16, 32, 64, 128, 256, 512, 1000, 1000, 1000], sizes);
        Assert.Equal(1000, sizer.Estimate);
    }

    [Fact]
    public void The_estimate_follows_the_recent_cost_per_item_so_a_cold_start_fades_and_long_items_travel_alone()
    {
        var sizer = new PartitionSizer(fixedSize: null);
        sizer.Observe(100, 100 * 4e-6);
        Assert.Equal(250, sizer.Estimate);
        sizer.Observe(100, 100 * 16e-6); // the first partition counts half: (50 x 4 + 100 x 16) / 150 = 12 us per item
        Assert.Equal(83, sizer.Estimate);

        var cold = new PartitionSizer(fixedSize: null);
        cold.Observe(1, 0.05); // a first call that compiled everything
        for (var i = 0; i < 20; i++)
        {
            cold.Observe(10, 10 * 1e-6);
        }

        Assert.InRange(cold.Estimate!.Value, 900, 1000);

        var slow = new PartitionSizer(fixedSize: null);
        slow.Observe(1, 0.5);
        Assert.Equal(1, slow.Estimate);
        Assert.Equal(1, slow.Next(1_000_000, 1));
    }

    [Fact]
    public void Near_the_end_partitions_shrink_so_every_thread_gets_a_share_and_nothing_exceeds_the_cap()
    {
        var sizer = new PartitionSizer(fixedSize: null);
        sizer.Observe(1_000_000, 0); // free items: the estimate is the cap
        Assert.Equal(PartitionSizer.MaxItems, sizer.Estimate);
        for (var i = 0; i < 20; i++)
        {
            sizer.Next(int.MaxValue, 1);
        }

        Assert.Equal(PartitionSizer.MaxItems, sizer.Next(int.MaxValue, 1));
        Assert.Equal(25, sizer.Next(undispatched: 800, threads: 8)); // a quarter of 800 / 8
        Assert.Equal(1, sizer.Next(undispatched: 3, threads: 8));
    }

    [Fact]
    public void A_fixed_batch_size_is_used_as_given_and_learns_nothing()
    {
        var sizer = new PartitionSizer(fixedSize: 64);
        sizer.Observe(10, 1);
        Assert.Equal(64, sizer.Next(5, 100));
        Assert.Null(sizer.Estimate);
    }
}
