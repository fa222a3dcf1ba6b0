using System.Buffers.Binary;
using System.Numerics;

namespace JobQueue.Serialization;

internal delegate T ScalarReader<T>(ref WireReader reader);

/// <summary>A framework value type written as a fixed or variable-length number of bytes.</summary>
internal sealed class ScalarCodec<T>(Action<WireWriter, T> write, ScalarReader<T> read) : Codec<T>
{
    public override void Write(WireWriter writer, T value) => write(writer, value);

    public override T Read(ref WireReader reader) => read(ref reader);
}

/// <summary>
/// The framework's scalar types. Their position in <see cref="All"/> is their number in type references, so new
/// types go at the end.
/// </summary>
internal static class ScalarCodecs
{
    public static readonly Codec[] All =
    [
        new ScalarCodec<bool>((w, v) => w.WriteByte(v ? (byte)1 : (byte)0), static (ref r) => r.ReadByte() switch
        {
            0 => false,
            1 => true,
            var other => throw WireReader.Invalid($"{other} is not a bool"),
        }),
        new ScalarCodec<byte>((w, v) => w.WriteByte(v), static (ref r) => r.ReadByte()),
        new ScalarCodec<sbyte>((w, v) => w.WriteByte((byte)v), static (ref r) => (sbyte)r.ReadByte()),
        new ScalarCodec<short>((w, v) => w.WriteVarInt(v), static (ref r) => (short)Signed(ref r, short.MinValue, short.MaxValue)),
        new ScalarCodec<ushort>((w, v) => w.WriteVarUInt(v), static (ref r) => (ushort)Unsigned(ref r, ushort.MaxValue)),
        new ScalarCodec<int>((w, v) => w.WriteVarInt(v), static (ref r) => (int)Signed(ref r, int.MinValue, int.MaxValue)),
        new ScalarCodec<uint>((w, v) => w.WriteVarUInt(v), static (ref r) => (uint)Unsigned(ref r, uint.MaxValue)),
        new ScalarCodec<long>((w, v) => w.WriteVarInt(v), static (ref r) => r.ReadVarInt()),
        new ScalarCodec<ulong>((w, v) => w.WriteVarUInt(v), static (ref r) => r.ReadVarUInt()),
        new ScalarCodec<char>((w, v) => w.WriteVarUInt(v), static (ref r) => (char)Unsigned(ref r, char.MaxValue)),
        new ScalarCodec<float>((w, v) => Fixed(w, 4, v, BinaryPrimitives.WriteSingleLittleEndian), static (ref r) => BinaryPrimitives.ReadSingleLittleEndian(r.ReadSpan(4))),
        new ScalarCodec<double>((w, v) => Fixed(w, 8, v, BinaryPrimitives.WriteDoubleLittleEndian), static (ref r) => BinaryPrimitives.ReadDoubleLittleEndian(r.ReadSpan(8))),
        new ScalarCodec<Half>((w, v) => Fixed(w, 2, v, BinaryPrimitives.WriteHalfLittleEndian), static (ref r) => BinaryPrimitives.ReadHalfLittleEndian(r.ReadSpan(2))),
        new ScalarCodec<nint>((w, v) => w.WriteVarInt(v), static (ref r) => (nint)r.ReadVarInt()),
        new ScalarCodec<nuint>((w, v) => w.WriteVarUInt(v), static (ref r) => (nuint)r.ReadVarUInt()),
        new ScalarCodec<Int128>((w, v) => Fixed(w, 16, v, BinaryPrimitives.WriteInt128LittleEndian), static (ref r) => BinaryPrimitives.ReadInt128LittleEndian(r.ReadSpan(16))),
        new ScalarCodec<UInt128>((w, v) => Fixed(w, 16, v, BinaryPrimitives.WriteUInt128LittleEndian), static (ref r) => BinaryPrimitives.ReadUInt128LittleEndian(r.ReadSpan(16))),
        new ScalarCodec<decimal>(WriteDecimal, ReadDecimal),
        new ScalarCodec<DateTime>((w, v) => w.WriteInt64(v.Ticks | ((long)v.Kind << 62)), ReadDateTime),
        new ScalarCodec<DateTimeOffset>(WriteDateTimeOffset, ReadDateTimeOffset),
        new ScalarCodec<TimeSpan>((w, v) => w.WriteVarInt(v.Ticks), static (ref r) => new TimeSpan(r.ReadVarInt())),
        new ScalarCodec<DateOnly>((w, v) => w.WriteVarUInt((uint)v.DayNumber), static (ref r) => DateOnly.FromDayNumber((int)Unsigned(ref r, (ulong)DateOnly.MaxValue.DayNumber))),
        new ScalarCodec<TimeOnly>((w, v) => w.WriteVarUInt((ulong)v.Ticks), static (ref r) => new TimeOnly((long)Unsigned(ref r, (ulong)TimeOnly.MaxValue.Ticks))),
        new ScalarCodec<Guid>((w, v) => Fixed(w, 16, v, static (span, g) => g.TryWriteBytes(span)), static (ref r) => new Guid(r.ReadSpan(16))),
        new ScalarCodec<BigInteger>(WriteBigInteger, static (ref r) => new BigInteger(r.ReadSpan(r.ReadCount()))),
        new StringCodec(),
        new EmptyObjectCodec(),
        new ByteArrayCodec(),
        new StructCodec<ValueTuple>(),
    ];

    private static long Signed(ref WireReader reader, long min, long max) =>
        reader.ReadVarInt() is var value && value >= min && value <= max ? value : throw WireReader.Invalid($"a number is outside [{min}, {max}]");

    private static ulong Unsigned(ref WireReader reader, ulong max) =>
        reader.ReadVarUInt() is var value && value <= max ? value : throw WireReader.Invalid($"a number is above {max}");

    private static void Fixed<T>(WireWriter writer, int size, T value, Action<Span<byte>, T> write)
    {
        write(writer.GetSpan(size), value);
        writer.Advance(size);
    }

    private static void WriteDecimal(WireWriter writer, decimal value)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        foreach (var part in bits)
        {
            Fixed(writer, 4, part, BinaryPrimitives.WriteInt32LittleEndian);
        }
    }

    private static decimal ReadDecimal(ref WireReader reader)
    {
        Span<int> bits = stackalloc int[4];
        for (var i = 0; i < 4; i++)
        {
            bits[i] = BinaryPrimitives.ReadInt32LittleEndian(reader.ReadSpan(4));
        }

        return new decimal(bits);
    }

    // The tick count and the kind, as DateTime keeps them, so that Local and Utc values come back unchanged.
    private static DateTime ReadDateTime(ref WireReader reader)
    {
        var raw = reader.ReadInt64();
        var ticks = raw & ~(3L << 62);
        var kind = (int)((ulong)raw >> 62);
        return ticks <= DateTime.MaxValue.Ticks && kind <= (int)DateTimeKind.Local
            ? new DateTime(ticks, (DateTimeKind)kind)
            : throw WireReader.Invalid("a DateTime is out of range");
    }

    private static void WriteDateTimeOffset(WireWriter writer, DateTimeOffset value)
    {
        writer.WriteInt64(value.Ticks);
        writer.WriteVarInt((long)value.Offset.TotalMinutes);
    }

    private static DateTimeOffset ReadDateTimeOffset(ref WireReader reader)
    {
        var ticks = reader.ReadInt64();
        var minutes = reader.ReadVarInt();
        return Math.Abs(minutes) <= 14 * 60 && ticks >= 0 && ticks <= DateTime.MaxValue.Ticks
            ? new DateTimeOffset(ticks, TimeSpan.FromMinutes(minutes))
            : throw WireReader.Invalid("a DateTimeOffset is out of range");
    }

    private static void WriteBigInteger(WireWriter writer, BigInteger value)
    {
        var size = value.GetByteCount();
        writer.WriteVarUInt((uint)size);
        value.TryWriteBytes(writer.GetSpan(size), out _);
        writer.Advance(size);
    }
}

/// <summary>A string slot is its UTF-8 length plus one (0 for null) and its bytes: no slot tag, no identity.</summary>
internal sealed class StringCodec : ReferenceCodec<string?>
{
    public StringCodec() : base(typeof(string))
    {
    }

    public override bool Tracked => false;

    public override void WriteSlot(WireWriter writer, string? value)
    {
        if (value is null)
        {
            writer.WriteByte(0);
        }
        else
        {
            writer.WriteString(value);
        }
    }

    public override string? ReadSlot(ref WireReader reader) => reader.ReadString();

    public override void Write(WireWriter writer, string? value) => writer.WriteString(value!);

    public override string? Read(ref WireReader reader) => reader.ReadString() ?? throw WireReader.Invalid("a string is null where a value is required");
}

/// <summary>A plain <c>new object()</c> (a lock, a marker): no state, but its identity is kept within a message.</summary>
internal sealed class EmptyObjectCodec : ReferenceCodec<object>
{
    public override void Write(WireWriter writer, object value)
    {
    }

    public override object Read(ref WireReader reader)
    {
        var value = new object();
        reader.AddObject(value);
        return value;
    }
}

/// <summary>A byte array as its length and its bytes, in one copy each way.</summary>
internal sealed class ByteArrayCodec : ReferenceCodec<byte[]>
{
    public override void Write(WireWriter writer, byte[] value)
    {
        writer.WriteVarUInt((uint)value.Length);
        writer.WriteBytes(value);
    }

    public override byte[] Read(ref WireReader reader)
    {
        var value = reader.ReadSpan(reader.ReadCount()).ToArray();
        reader.AddObject(value);
        return value;
    }
}
