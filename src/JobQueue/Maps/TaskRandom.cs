using System.Buffers.Binary;
using System.Numerics;

namespace JobQueue;

/// <summary>
/// The random stream of one item (<see cref="TaskContext.Random"/>): xoshiro256** seeded by SplitMix64 from the
/// cluster's seed and the item's key. Exactly: with <c>mix(z)</c> the SplitMix64 step (add 0x9E3779B97F4A7C15, then
/// its finalizer), <c>h = mix(mix(mix(seed) ^ map) ^ index)</c>, and xoshiro256**'s four state words are the next
/// four SplitMix64 outputs from state <c>h</c>. The same (seed, map, index) gives the same numbers on any machine and
/// .NET version; different items get streams seeded 64 hashed bits apart. Make one yourself to replay an item:
/// <c>new TaskRandom(cluster.Seed, new TaskKey(0, 17))</c>.
/// </summary>
public sealed class TaskRandom : Random
{
    private const ulong GoldenGamma = 0x9E3779B97F4A7C15;

    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;

    public TaskRandom(ulong seed, TaskKey key)
    {
        var state = Mix(Mix(Mix(seed) ^ (ulong)key.Map) ^ (ulong)key.Index);
        _s0 = Mix(state);
        _s1 = Mix(state += GoldenGamma);
        _s2 = Mix(state += GoldenGamma);
        _s3 = Mix(state + GoldenGamma);
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        var result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        var shifted = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= shifted;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <inheritdoc />
    public override int Next() => (int)Below(int.MaxValue);

    /// <inheritdoc />
    public override int Next(int maxValue) => (int)NextInt64(maxValue);

    /// <inheritdoc />
    public override int Next(int minValue, int maxValue) => (int)NextInt64(minValue, maxValue);

    /// <inheritdoc />
    public override long NextInt64() => (long)Below(long.MaxValue);

    /// <inheritdoc />
    public override long NextInt64(long maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxValue);
        return (long)Below((ulong)maxValue);
    }

    /// <inheritdoc />
    public override long NextInt64(long minValue, long maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minValue, maxValue);
        return (long)((ulong)minValue + Below((ulong)maxValue - (ulong)minValue));
    }

    /// <summary>A double in [0, 1) from the top 53 bits.</summary>
    public override double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A float in [0, 1) from the top 24 bits.</summary>
    public override float NextSingle() => (NextUInt64() >> 40) * (1f / (1 << 24));

    /// <inheritdoc />
    public override void NextBytes(byte[] buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        NextBytes(buffer.AsSpan());
    }

    /// <summary>Fills <paramref name="buffer"/> with the stream's next words, little-endian.</summary>
    public override void NextBytes(Span<byte> buffer)
    {
        while (buffer.Length >= sizeof(ulong))
        {
            BinaryPrimitives.WriteUInt64LittleEndian(buffer, NextUInt64());
            buffer = buffer[sizeof(ulong)..];
        }

        if (buffer.Length > 0)
        {
            Span<byte> last = stackalloc byte[sizeof(ulong)];
            BinaryPrimitives.WriteUInt64LittleEndian(last, NextUInt64());
            last[..buffer.Length].CopyTo(buffer);
        }
    }

    /// <inheritdoc />
    protected override double Sample() => NextDouble();

    private static ulong Mix(ulong z)
    {
        z += GoldenGamma;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }

    /// <summary>A uniform value in [0, <paramref name="bound"/>) without bias (Lemire's multiply and reject).</summary>
    private ulong Below(ulong bound)
    {
        var high = Math.BigMul(NextUInt64(), bound, out var low);
        if (low < bound)
        {
            var threshold = (0 - bound) % bound;
            while (low < threshold)
            {
                high = Math.BigMul(NextUInt64(), bound, out low);
            }
        }

        return high;
    }
}
