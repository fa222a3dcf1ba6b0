using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;

namespace JobQueue.Serialization;

/// <summary>
/// A user class (record, POCO, compiler-generated closure) as the values of all its instance fields, base class
/// first. Instances are created without running a constructor, as the fields carry the whole state.
/// </summary>
internal sealed class ObjectCodec<T>() : ReferenceCodec<T> where T : class
{
    private readonly Fields<T> _fields = new();

    public override void Write(WireWriter writer, T value)
    {
        CheckWritable(writer);
        _fields.Write(writer, ref value);
    }

    public override T Read(ref WireReader reader)
    {
        CheckReadable(ref reader);
        var value = (T)RuntimeHelpers.GetUninitializedObject(typeof(T));
        reader.AddObject(value);
        _fields.Read(ref reader, ref value);
        return value;
    }
}

/// <summary>A struct (the user's, or a <see cref="ValueTuple"/>) as the values of its fields.</summary>
internal sealed class StructCodec<T>() : Codec<T> where T : struct
{
    private readonly Fields<T> _fields = new();

    public override void Write(WireWriter writer, T value)
    {
        CheckWritable(writer);
        _fields.Write(writer, ref value);
    }

    public override T Read(ref WireReader reader)
    {
        CheckReadable(ref reader);
        T value = default;
        _fields.Read(ref reader, ref value);
        return value;
    }
}

/// <summary>
/// The instance fields of <typeparamref name="TOwner"/>, in metadata order, which is the same in every process
/// that loads the same assembly. Built on first use, so that a type can contain itself.
/// </summary>
internal sealed class Fields<TOwner>
{
    private FieldCodec<TOwner>[]? _fields;

    private FieldCodec<TOwner>[] All => _fields ??= Create();

    public void Write(WireWriter writer, ref TOwner owner)
    {
        var fields = All;
        if (fields.Length == 0)
        {
            // Every value takes at least one byte, so that a count read from the wire can be checked against the bytes left.
            writer.WriteByte(0);
        }

        foreach (var field in fields)
        {
            try
            {
                field.Write(writer, ref owner);
            }
            catch (UnsupportedValueException exception)
            {
                exception.Within(field.Segment);
                throw;
            }
        }
    }

    public void Read(ref WireReader reader, ref TOwner owner)
    {
        var fields = All;
        if (fields.Length == 0 && reader.ReadByte() != 0)
        {
            throw WireReader.Invalid($"{TypeNames.Display(typeof(TOwner))} has no fields but its value is not empty");
        }

        foreach (var field in fields)
        {
            field.Read(ref reader, ref owner);
        }
    }

    private static FieldCodec<TOwner>[] Create() =>
        FieldAccessors.InstanceFields(typeof(TOwner))
            .Select(field => (FieldCodec<TOwner>)Activator.CreateInstance(typeof(FieldCodec<,>).MakeGenericType(typeof(TOwner), field.FieldType), field)!)
            .ToArray();
}

/// <summary>One field: compiled accessors and the codec of its declared type.</summary>
internal abstract class FieldCodec<TOwner>(FieldInfo field)
{
    /// <summary>The field as it appears in a path; an auto-property's backing field appears as the property.</summary>
    public string Segment { get; } = "." + (field.Name.StartsWith('<') && field.Name.EndsWith(">k__BackingField", StringComparison.Ordinal)
        ? field.Name[1..field.Name.IndexOf('>')]
        : field.Name);

    public abstract void Write(WireWriter writer, ref TOwner owner);

    public abstract void Read(ref WireReader reader, ref TOwner owner);
}

internal sealed class FieldCodec<TOwner, TField>(FieldInfo field) : FieldCodec<TOwner>(field)
{
    private delegate TField Getter(ref TOwner owner);

    private delegate void Setter(ref TOwner owner, TField value);

    private readonly Getter _get = FieldAccessors.Create<Getter>(field, typeof(TField), [typeof(TOwner).MakeByRefType()], OpCodes.Ldfld);
    private readonly Setter _set = FieldAccessors.Create<Setter>(field, typeof(void), [typeof(TOwner).MakeByRefType(), typeof(TField)], OpCodes.Stfld);
    private readonly Codec<TField> _codec = (Codec<TField>)Codecs.For(typeof(TField));

    public override void Write(WireWriter writer, ref TOwner owner) => _codec.WriteSlot(writer, _get(ref owner));

    public override void Read(ref WireReader reader, ref TOwner owner) => _set(ref owner, _codec.ReadSlot(ref reader));
}

/// <summary>
/// Field getters and setters as small IL methods: unlike expression trees they may store into readonly fields
/// (records' init-only properties, closures' captured <c>this</c>), and unlike reflection they cost a call.
/// </summary>
internal static class FieldAccessors
{
    /// <summary>The fields of <paramref name="type"/> and its base classes, base first.</summary>
    public static IEnumerable<FieldInfo> InstanceFields(Type type)
    {
        var chain = new Stack<Type>();
        for (var current = type; current is not null && current != typeof(object) && current != typeof(ValueType); current = current.BaseType)
        {
            chain.Push(current);
        }

        return chain.SelectMany(declaring => declaring
            .GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
            .OrderBy(field => field.MetadataToken));
    }

    public static TDelegate Create<TDelegate>(FieldInfo field, Type returnType, Type[] parameters, OpCode access) where TDelegate : Delegate
    {
        var method = new DynamicMethod($"{access.Name}_{field.DeclaringType!.Name}_{field.Name}", returnType, parameters, typeof(FieldAccessors).Module, skipVisibility: true);
        var il = method.GetILGenerator();
        il.Emit(OpCodes.Ldarg_0);
        if (!field.DeclaringType.IsValueType)
        {
            // The owner comes by reference for structs' sake; a class owner is one indirection further.
            il.Emit(OpCodes.Ldind_Ref);
        }

        if (access == OpCodes.Stfld)
        {
            il.Emit(OpCodes.Ldarg_1);
        }

        il.Emit(access, field);
        il.Emit(OpCodes.Ret);
        return method.CreateDelegate<TDelegate>();
    }
}
