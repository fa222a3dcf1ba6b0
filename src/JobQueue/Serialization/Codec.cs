namespace JobQueue.Serialization;

/// <summary>
/// Writes and reads values of one type, built once per type (see <see cref="Codecs"/>). A "slot" is a place where
/// a value of a declared type sits (a field, an element, the root); for reference types the slot also carries null,
/// references to objects already in the message, and the runtime type when it differs from the declared one.
/// </summary>
internal abstract class Codec
{
    private static int _lastId;

    protected Codec(Type type)
    {
        Type = type;
        Id = Interlocked.Increment(ref _lastId);
        IsUserType = !FrameworkAssemblies.IsPlatform(type.Assembly);
    }

    public Type Type { get; }

    /// <summary>A small number for the per-allowlist verdict cache.</summary>
    public int Id { get; }

    /// <summary>Whether the type comes from outside the framework, so every allowlist must be asked about it.</summary>
    public bool IsUserType { get; }

    /// <summary>Why the type is never data, for the codec that stands in for such a type; null for data types.</summary>
    public virtual string? NotData => null;

    /// <summary>Whether instances are numbered by identity, for shared references and cycles.</summary>
    public virtual bool Tracked => false;

    /// <summary>Throws when a value of exactly this type may not be written under the writer's allowlist.</summary>
    public virtual void CheckWritable(WireWriter writer)
    {
        if (IsUserType && writer.Allowlist.Refusal(this) is { } reason)
        {
            throw new UnsupportedValueException(Type, reason);
        }
    }

    /// <summary>Throws, before anything is created, when the reader's allowlist refuses this type.</summary>
    public void CheckReadable(ref WireReader reader)
    {
        if (IsUserType && reader.Allowlist.Refusal(this) is { } reason)
        {
            throw new DisallowedTypeException(TypeNames.Display(Type), reason);
        }
    }

    public abstract void WriteSlotBoxed(WireWriter writer, object? value);

    public abstract object? ReadSlotBoxed(ref WireReader reader);

    /// <summary>Writes a non-null value whose runtime type is exactly <see cref="Type"/>, without slot information.</summary>
    public abstract void WriteBoxed(WireWriter writer, object value);

    public abstract object? ReadBoxed(ref WireReader reader);
}

/// <summary>A codec with typed entry points, so that values are not boxed on the common paths.</summary>
internal abstract class Codec<T>(Type type) : Codec(type)
{
    protected Codec() : this(typeof(T))
    {
    }

    public abstract void Write(WireWriter writer, T value);

    public abstract T Read(ref WireReader reader);

    /// <summary>A value type's slot is just its value.</summary>
    public virtual void WriteSlot(WireWriter writer, T value) => Write(writer, value);

    public virtual T ReadSlot(ref WireReader reader) => Read(ref reader);

    public sealed override void WriteSlotBoxed(WireWriter writer, object? value) => WriteSlot(writer, (T)value!);

    public sealed override object? ReadSlotBoxed(ref WireReader reader) => ReadSlot(ref reader);

    public sealed override void WriteBoxed(WireWriter writer, object value) => Write(writer, (T)value);

    public sealed override object? ReadBoxed(ref WireReader reader) => Read(ref reader);
}

/// <summary>What a reference-type slot starts with.</summary>
internal static class SlotTag
{
    public const byte Null = 0;

    /// <summary>A new object of exactly the declared type.</summary>
    public const byte Exact = 1;

    /// <summary>A new object of another type, named by a type reference that follows.</summary>
    public const byte Typed = 2;

    /// <summary>An object already in the message, by its number.</summary>
    public const byte Reference = 3;
}

/// <summary>
/// A reference type's slot: null, a back-reference, or a new object, of the declared type or of a type named on the
/// wire. A named type is resolved only through the allowlist and must fit the declared type before it is read.
/// </summary>
internal abstract class ReferenceCodec<T>(Type type) : Codec<T>(type) where T : class?
{
    protected ReferenceCodec() : this(typeof(T))
    {
    }

    public override bool Tracked => true;

    public override void WriteSlot(WireWriter writer, T value)
    {
        if (value is null)
        {
            writer.WriteByte(SlotTag.Null);
            return;
        }

        var runtimeType = value.GetType();
        var codec = runtimeType == Type ? this : Codecs.For(runtimeType);
        if (codec.Tracked && writer.TryGetObject(value, out var index))
        {
            writer.WriteByte(SlotTag.Reference);
            writer.WriteVarUInt((uint)index);
            return;
        }

        writer.Enter(runtimeType);
        if (codec == this)
        {
            writer.WriteByte(SlotTag.Exact);
            Write(writer, value);
        }
        else
        {
            codec.CheckWritable(writer);
            writer.WriteByte(SlotTag.Typed);
            TypeReferences.Write(writer, runtimeType);
            codec.WriteBoxed(writer, value);
        }

        writer.Exit();
    }

    public override T ReadSlot(ref WireReader reader)
    {
        var tag = reader.ReadByte();
        switch (tag)
        {
            case SlotTag.Null:
                return default!;
            case SlotTag.Reference:
                return reader.ReferencedObject(reader.ReadVarUInt()) is T existing
                    ? existing
                    : throw WireReader.Invalid($"a reference points to an object that is not a {TypeNames.Display(Type)}");
            case SlotTag.Exact:
            {
                reader.Enter();
                var number = reader.ObjectCount;
                var value = Read(ref reader);
                reader.CloseObject(number);
                reader.Exit();
                return value;
            }

            case SlotTag.Typed:
            {
                var codec = TypeReferences.Read(ref reader);
                if (!Type.IsAssignableFrom(codec.Type))
                {
                    throw WireReader.Invalid($"a {TypeNames.Display(codec.Type)} is where a {TypeNames.Display(Type)} is declared");
                }

                reader.Enter();
                var number = reader.ObjectCount;
                var value = (T)codec.ReadBoxed(ref reader)!;
                reader.CloseObject(number);
                reader.Exit();
                return value;
            }

            default:
                throw WireReader.Invalid($"unknown slot tag {tag}");
        }
    }
}
