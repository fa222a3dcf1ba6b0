using System.Linq.Expressions;
using System.Runtime.CompilerServices;

namespace JobQueue.Serialization;

/// <summary>A nullable value: 0 for null, or 1 and the value.</summary>
internal sealed class NullableCodec<T>() : Codec<T?> where T : struct
{
    private readonly Codec<T> _value = (Codec<T>)Codecs.For(typeof(T));

    public override void Write(WireWriter writer, T? value)
    {
        writer.WriteByte(value.HasValue ? (byte)1 : (byte)0);
        if (value.HasValue)
        {
            _value.Write(writer, value.GetValueOrDefault());
        }
    }

    public override T? Read(ref WireReader reader) => reader.ReadByte() switch
    {
        0 => null,
        1 => _value.Read(ref reader),
        var other => throw WireReader.Invalid($"{other} is not a nullable's marker"),
    };
}

/// <summary>An enum as its underlying number; values outside the named ones are kept, as C# allows them.</summary>
internal sealed class EnumCodec<TEnum, TUnderlying>() : Codec<TEnum> where TEnum : struct, Enum where TUnderlying : struct
{
    private readonly Codec<TUnderlying> _number = (Codec<TUnderlying>)Codecs.For(typeof(TUnderlying));

    public override void Write(WireWriter writer, TEnum value)
    {
        CheckWritable(writer);
        _number.Write(writer, Unsafe.As<TEnum, TUnderlying>(ref value));
    }

    public override TEnum Read(ref WireReader reader)
    {
        CheckReadable(ref reader);
        var number = _number.Read(ref reader);
        return Unsafe.As<TUnderlying, TEnum>(ref number);
    }
}

internal sealed class KeyValuePairCodec<TKey, TValue>() : Codec<KeyValuePair<TKey, TValue>>
{
    private readonly Codec<TKey> _key = (Codec<TKey>)Codecs.For(typeof(TKey));
    private readonly Codec<TValue> _value = (Codec<TValue>)Codecs.For(typeof(TValue));

    public override void Write(WireWriter writer, KeyValuePair<TKey, TValue> value)
    {
        Slots.Write(writer, _key, value.Key, ".Key");
        Slots.Write(writer, _value, value.Value, ".Value");
    }

    public override KeyValuePair<TKey, TValue> Read(ref WireReader reader)
    {
        var key = _key.ReadSlot(ref reader);
        return new(key, _value.ReadSlot(ref reader));
    }
}

/// <summary>
/// A <see cref="Tuple"/> (immutable, built by its constructor after its items, so a cycle through it cannot be
/// read back). Items are read and written through compiled accessors; tuples are rare enough that boxing is fine.
/// </summary>
internal sealed class TupleCodec<T> : ReferenceCodec<T> where T : class
{
    private readonly Codec[] _items;
    private readonly Func<T, object?>[] _getters;
    private readonly string[] _segments;
    private readonly Func<object?[], T> _create;

    public TupleCodec()
    {
        var types = typeof(T).GetGenericArguments();
        _items = Array.ConvertAll(types, Codecs.For);
        _segments = types.Select((_, i) => i < 7 ? $"Item{i + 1}" : "Rest").ToArray();
        var tuple = Expression.Parameter(typeof(T));
        _getters = _segments
            .Select(name => Expression.Lambda<Func<T, object?>>(Expression.Convert(Expression.Property(tuple, name), typeof(object)), tuple).Compile())
            .ToArray();
        var items = Expression.Parameter(typeof(object?[]));
        var arguments = types.Select((type, i) => Expression.Convert(Expression.ArrayIndex(items, Expression.Constant(i)), type));
        _create = Expression.Lambda<Func<object?[], T>>(Expression.New(typeof(T).GetConstructor(types)!, arguments), items).Compile();
        _segments = Array.ConvertAll(_segments, name => "." + name);
    }

    public override void Write(WireWriter writer, T value)
    {
        for (var i = 0; i < _items.Length; i++)
        {
            try
            {
                _items[i].WriteSlotBoxed(writer, _getters[i](value));
            }
            catch (UnsupportedValueException exception)
            {
                exception.Within(_segments[i]);
                throw;
            }
        }
    }

    public override T Read(ref WireReader reader)
    {
        var number = reader.ReserveObject();
        var items = new object?[_items.Length];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = _items[i].ReadSlotBoxed(ref reader);
        }

        var value = _create(items);
        reader.SetReserved(number, value);
        return value;
    }
}

/// <summary>
/// A declared type that has no instances of its own (an interface, an abstract class): every value names its
/// runtime type on the wire.
/// </summary>
internal sealed class PolymorphicCodec<T>() : ReferenceCodec<T> where T : class
{
    public override void Write(WireWriter writer, T value) =>
        throw new InvalidOperationException($"A value of the abstract type {TypeNames.Display(Type)} cannot exist.");

    public override T Read(ref WireReader reader) =>
        throw WireReader.Invalid($"a value claims to be of the abstract type {TypeNames.Display(Type)}");
}

/// <summary>A type that is not data: only null travels in its place, anything else is refused with the reason.</summary>
internal sealed class RefusedCodec<T>(Type type, string reason) : Codec<T>(type)
{
    public override string NotData => reason;

    public override void CheckWritable(WireWriter writer) => throw new UnsupportedValueException(Type, reason);

    public override void WriteSlot(WireWriter writer, T value)
    {
        if (value is not null || typeof(T).IsValueType)
        {
            CheckWritable(writer);
        }

        writer.WriteByte(SlotTag.Null);
    }

    public override T ReadSlot(ref WireReader reader) =>
        !typeof(T).IsValueType && reader.ReadByte() == SlotTag.Null ? default! : throw new DisallowedTypeException(TypeNames.Display(Type), reason);

    public override void Write(WireWriter writer, T value) => CheckWritable(writer);

    public override T Read(ref WireReader reader) => throw new DisallowedTypeException(TypeNames.Display(Type), reason);
}
