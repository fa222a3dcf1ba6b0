namespace JobQueue.Tests.Maps;

public sealed class TaskRandomTests
{
    [Fact]
    public void The_same_seed_and_key_give_the_same_stream_and_any_other_key_or_seed_another()
    {
        static ulong[] Words(ulong seed, long map, long index)
        {
            var random = new TaskRandom(seed, new TaskKey(map, index));
            return Enumerable.Range(0, 8).Select(_ => random.NextUInt64()).ToArray();
        }

        Assert.Equal(Words(1, 2, 3), Words(1, 2, 3));
        Assert.NotEqual(Words(1, 2, 3), Words(1, 2, 4));
        Assert.NotEqual(Words(1, 2, 3), Words(1, 3, 3));
        Assert.NotEqual(Words(1, 2, 3), Words(2, 2, 3));
        Assert.NotEqual(Words(0, 0, 0), new ulong[8]);
    }

    [Fact]
    public void Every_method_draws_from_the_same_64_bit_words()
    {
        var words = new TaskRandom(7, new TaskKey(0, 0));
        var (a, b, c) = (words.NextUInt64(), words.NextUInt64(), words.NextUInt64());
        var random = new TaskRandom(7, new TaskKey(0, 0));

        Assert.Equal((a >> 11) * (1.0 / (1UL << 53)), random.NextDouble());
        var bytes = new byte[13];
        random.NextBytes(bytes);
        Assert.Equal(BitConverter.GetBytes(b).Concat(BitConverter.GetBytes(c).Take(5)), bytes);
    }

    [Fact]
    public void Ranges_hold_and_bad_bounds_are_refused_as_Random_does()
    {
        var random = new TaskRandom(42, new TaskKey(3, 9));
        for (var i = 0; i < 10_000; i++)
        {
            Assert.InRange(random.Next(-5, 5), -5, 4);
            Assert.InRange(random.Next(3), 0, 2);
            Assert.InRange(random.NextInt64(long.MinValue, long.MaxValue), long.MinValue, long.MaxValue - 1);
            Assert.InRange(random.NextDouble(), 0, 0.9999999999999999);
            Assert.InRange(random.NextSingle(), 0f, 0.99999994f);
            Assert.InRange(random.Next(), 0, int.MaxValue - 1);
        }

        Assert.Equal(0, random.Next(0));
        Assert.Equal(5, random.Next(5, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => random.Next(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => random.Next(2, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => random.NextInt64(2, 1));
        var counts = new int[4];
        for (var i = 0; i < 40_000; i++)
        {
            counts[random.Next(4)]++;
        }

        Assert.All(counts, count => Assert.InRange(count, 9_000, 11_000));
    }
}
