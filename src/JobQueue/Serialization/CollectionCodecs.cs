using System.Globalization;
using System.Runtime.InteropServices;

namespace JobQueue.Serialization;

/// <summary>Writes one slot and, if its value is refused, names where it sat.</summary>
internal static class Slots
{
    public static void Write<T>(WireWriter writer, Codec<T> codec, T value, int index)
    {
        try
        {
            codec.WriteSlot(writer, value);
        }
        catch (UnsupportedValueException exception)
        {
            exception.Within($"[{index}]");
            throw;
        }
    }

    public static void Write<T>(WireWriter writer, Codec<T> codec, T value, string segment)
    {
        try
        {
            codec.WriteSlot(writer, value);
        }
        catch (UnsupportedValueException exception)
        {
            exception.Within(segment);
            throw;
        }
    }

    /// <summary>A count and then the items.</summary>
    public static void WriteAll<T>(WireWriter writer, Codec<T> codec, ReadOnlySpan<T> items)
    {
        writer.WriteVarUInt((uint)items.Length);
        for (var i = 0; i < items.Length; i++)
        {
            Write(writer, codec, items[i], i);
        }
    }

    public static void WriteAll<T>(WireWriter writer, Codec<T> codec, IReadOnlyCollection<T> items)
    {
        writer.WriteVarUInt((uint)items.Count);
        var i = 0;
        foreach (var item in items)
        {
            Write(writer, codec, item, i++);
        }
    }

    public static void ReadAll<T>(ref WireReader reader, Codec<T> codec, Span<T> into)
    {
        for (var i = 0; i < into.Length; i++)
        {
            into[i] = codec.ReadSlot(ref reader);
        }
    }
}

internal sealed class ArrayCodec<T>() : ReferenceCodec<T[]>
{
    private readonly Codec<T> _items = (Codec<T>)Codecs.For(typeof(T));

    public override void Write(WireWriter writer, T[] value) => Slots.WriteAll(writer, _items, new ReadOnlySpan<T>(value));

    public override T[] Read(ref WireReader reader)
    {
        var value = new T[reader.ReadCount()];
        reader.AddObject(value);
        Slots.ReadAll(ref reader, _items, value);
        return value;
    }
}

internal sealed class ListCodec<T>() : ReferenceCodec<List<T>>
{
    private readonly Codec<T> _items = (Codec<T>)Codecs.For(typeof(T));

    public override void Write(WireWriter writer, List<T> value) => Slots.WriteAll(writer, _items, CollectionsMarshal.AsSpan(value));

    public override List<T> Read(ref WireReader reader)
    {
        var count = reader.ReadCount();
        var value = new List<T>(count);
        reader.AddObject(value);
        CollectionsMarshal.SetCount(value, count);
        Slots.ReadAll(ref reader, _items, CollectionsMarshal.AsSpan(value));
        return value;
    }
}

internal sealed class HashSetCodec<T>() : ReferenceCodec<HashSet<T>>
{
    private readonly Codec<T> _items = (Codec<T>)Codecs.For(typeof(T));

    public override void Write(WireWriter writer, HashSet<T> value)
    {
        Comparers.Write(writer, value.Comparer);
        Slots.WriteAll(writer, _items, value);
    }

    public override HashSet<T> Read(ref WireReader reader)
    {
        var comparer = Comparers.Read<T>(ref reader);
        var count = reader.ReadCount();
        var value = new HashSet<T>(count, comparer);
        reader.AddObject(value);
        for (var i = 0; i < count; i++)
        {
            var item = HashedItems.Read(ref reader, _items, Type);
            try
            {
                value.Add(item);
            }
            catch (Exception exception) when (exception is not ArgumentException)
            {
                throw HashedItems.Failed(Type, exception);
            }
        }

        return value;
    }
}

internal sealed class QueueCodec<T>() : ReferenceCodec<Queue<T>>
{
    private readonly Codec<T> _items = (Codec<T>)Codecs.For(typeof(T));

    public override void Write(WireWriter writer, Queue<T> value) => Slots.WriteAll(writer, _items, value);

    public override Queue<T> Read(ref WireReader reader)
    {
        var count = reader.ReadCount();
        var value = new Queue<T>(count);
        reader.AddObject(value);
        for (var i = 0; i < count; i++)
        {
            value.Enqueue(_items.ReadSlot(ref reader));
        }

        return value;
    }
}

/// <summary>A stack, top first as it enumerates; pushed back bottom first.</summary>
internal sealed class StackCodec<T>() : ReferenceCodec<Stack<T>>
{
    private readonly Codec<T> _items = (Codec<T>)Codecs.For(typeof(T));

    public override void Write(WireWriter writer, Stack<T> value) => Slots.WriteAll(writer, _items, value);

    public override Stack<T> Read(ref WireReader reader)
    {
        var items = new T[reader.ReadCount()];
        var value = new Stack<T>(items.Length);
        reader.AddObject(value);
        Slots.ReadAll(ref reader, _items, items);
        for (var i = items.Length - 1; i >= 0; i--)
        {
            value.Push(items[i]);
        }

        return value;
    }
}

internal sealed class DictionaryCodec<TKey, TValue>() : ReferenceCodec<Dictionary<TKey, TValue>> where TKey : notnull
{
    private readonly Codec<TKey> _keys = (Codec<TKey>)Codecs.For(typeof(TKey));
    private readonly Codec<TValue> _values = (Codec<TValue>)Codecs.For(typeof(TValue));

    public override void Write(WireWriter writer, Dictionary<TKey, TValue> value)
    {
        Comparers.Write(writer, value.Comparer);
        writer.WriteVarUInt((uint)value.Count);
        var i = 0;
        foreach (var (key, item) in value)
        {
            try
            {
                _keys.WriteSlot(writer, key);
                _values.WriteSlot(writer, item);
            }
            catch (UnsupportedValueException exception)
            {
                exception.Within(PathOf(key, i));
                throw;
            }

            i++;
        }
    }

    public override Dictionary<TKey, TValue> Read(ref WireReader reader)
    {
        var comparer = Comparers.Read<TKey>(ref reader);
        var count = reader.ReadCount();
        var value = new Dictionary<TKey, TValue>(count, comparer);
        reader.AddObject(value);
        for (var i = 0; i < count; i++)
        {
            var key = HashedItems.Read(ref reader, _keys, Type);
            var item = _values.ReadSlot(ref reader);
            try
            {
                value.Add(key, item);
            }
            catch (Exception exception) when (exception is not ArgumentException)
            {
                // A duplicate key (ArgumentException) is reported as bad bytes by the decoder.
                throw HashedItems.Failed(Type, exception);
            }
        }

        return value;
    }

    // Entries are named by their key when it is a string or a number, as the user would index the dictionary.
    private static string PathOf(TKey key, int index) => key switch
    {
        string text => $"[\"{text}\"]",
        IFormattable formattable when typeof(TKey).IsPrimitive || typeof(TKey).IsEnum => $"[{formattable.ToString(null, CultureInfo.InvariantCulture)}]",
        _ => $".Entries[{index}]",
    };
}

/// <summary>
/// A hash collection's comparer: the default one or a culture-independent string comparer. Any other comparer is
/// code and cannot travel.
/// </summary>
internal static class Comparers
{
    private static readonly StringComparer[] Known =
        [StringComparer.Ordinal, StringComparer.OrdinalIgnoreCase, StringComparer.InvariantCulture, StringComparer.InvariantCultureIgnoreCase];

    public static void Write<T>(WireWriter writer, IEqualityComparer<T> comparer)
    {
        var known = Array.IndexOf(Known, comparer);
        if (known < 0 && !ReferenceEquals(comparer, EqualityComparer<T>.Default))
        {
            throw new UnsupportedValueException(comparer.GetType(), $"a collection with the comparer {TypeNames.Display(comparer.GetType())} cannot be sent to a worker; use the default comparer or StringComparer.Ordinal, OrdinalIgnoreCase, InvariantCulture or InvariantCultureIgnoreCase")
                .Within(".Comparer");
        }

        writer.WriteByte((byte)(known + 1));
    }

    public static IEqualityComparer<T>? Read<T>(ref WireReader reader) => reader.ReadByte() switch
    {
        0 => null,
        var known when known <= Known.Length && typeof(T) == typeof(string) => (IEqualityComparer<T>)Known[known - 1],
        var other => throw WireReader.Invalid($"unknown comparer {other}"),
    };
}
