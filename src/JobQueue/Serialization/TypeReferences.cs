namespace JobQueue.Serialization;

/// <summary>
/// Runtime types on the wire, for values whose type differs from the declared one. Framework types are numbers in
/// fixed tables, user types are assembly and type names; reading resolves them only within the reader's allowlist,
/// so no other type can be named into existence. Each type is described once per message and then referred to
/// by its number.
/// </summary>
internal static class TypeReferences
{
    private const byte Scalar = 1;
    private const byte KnownGeneric = 2;
    private const byte Array = 3;
    private const byte FrameworkEnum = 4;
    private const byte UserType = 5;

    // Type arguments nest; real types stay far below this, crafted ones must not recurse without end.
    private const int MaxNesting = 32;

    /// <summary>The generic framework types the codec knows; their position is their number on the wire.</summary>
    private static readonly Type[] Generics =
    [
        typeof(Nullable<>), typeof(List<>), typeof(Dictionary<,>), typeof(HashSet<>), typeof(Queue<>), typeof(Stack<>), typeof(KeyValuePair<,>),
        typeof(Tuple<>), typeof(Tuple<,>), typeof(Tuple<,,>), typeof(Tuple<,,,>), typeof(Tuple<,,,,>), typeof(Tuple<,,,,,>), typeof(Tuple<,,,,,,>), typeof(Tuple<,,,,,,,>),
        typeof(ValueTuple<>), typeof(ValueTuple<,>), typeof(ValueTuple<,,>), typeof(ValueTuple<,,,>), typeof(ValueTuple<,,,,>), typeof(ValueTuple<,,,,,>),
        typeof(ValueTuple<,,,,,,>), typeof(ValueTuple<,,,,,,,>),
    ];

    private static readonly Dictionary<Type, int> GenericNumbers = Generics.Select((type, i) => (type, i)).ToDictionary(entry => entry.type, entry => entry.i);
    private static readonly Dictionary<Type, int> ScalarNumbers = ScalarCodecs.All.Select((codec, i) => (codec.Type, i)).ToDictionary(entry => entry.Type, entry => entry.i);

    public static bool IsKnownGeneric(Type definition) => GenericNumbers.ContainsKey(definition);

    public static void Write(WireWriter writer, Type type)
    {
        if (writer.TryGetType(type, out var number))
        {
            writer.WriteVarUInt((uint)number + 1);
            return;
        }

        writer.WriteVarUInt(0);
        Describe(writer, type);
    }

    /// <summary>Reads a type reference and returns the codec of the type, refusing any type the allowlist does not allow.</summary>
    public static Codec Read(ref WireReader reader)
    {
        var number = reader.ReadVarUInt();
        if (number > 0)
        {
            return reader.TypeAt(number - 1) ?? throw WireReader.Invalid($"type reference #{number - 1} was not described");
        }

        var type = Resolve(ref reader, 0);
        if (reader.Allowlist.Refusal(type) is { } reason)
        {
            throw new DisallowedTypeException(TypeNames.Display(type), reason);
        }

        var codec = Codecs.For(type);
        reader.AddType(codec);
        return codec;
    }

    /// <summary>Writes the description of a user type as an attacker could, for tests that it is refused.</summary>
    internal static void DescribeUserType(WireWriter writer, string assemblyName, string fullName)
    {
        writer.WriteByte(UserType);
        writer.WriteString(assemblyName);
        writer.WriteString(fullName);
        writer.WriteVarUInt(0);
    }

    private static void Describe(WireWriter writer, Type type)
    {
        if (ScalarNumbers.TryGetValue(type, out var scalar))
        {
            writer.WriteByte(Scalar);
            writer.WriteVarUInt((uint)scalar);
        }
        else if (type.IsSZArray)
        {
            writer.WriteByte(Array);
            Describe(writer, type.GetElementType()!);
        }
        else if (type.IsGenericType && GenericNumbers.TryGetValue(type.GetGenericTypeDefinition(), out var generic))
        {
            writer.WriteByte(KnownGeneric);
            writer.WriteVarUInt((uint)generic);
            DescribeArguments(writer, type);
        }
        else if (FrameworkAssemblies.IsPlatform(type.Assembly))
        {
            // Codecs exist only for framework types in the tables and for enums, so only an enum gets here.
            writer.WriteByte(FrameworkEnum);
            writer.WriteString(type.Assembly.GetName().Name!);
            writer.WriteString(type.FullName!);
        }
        else
        {
            writer.WriteByte(UserType);
            writer.WriteString(type.Assembly.GetName().Name!);
            writer.WriteString((type.IsGenericType ? type.GetGenericTypeDefinition() : type).FullName!);
            writer.WriteVarUInt((uint)(type.IsGenericType ? type.GetGenericArguments().Length : 0));
            DescribeArguments(writer, type);
        }
    }

    private static void DescribeArguments(WireWriter writer, Type type)
    {
        foreach (var argument in type.IsGenericType ? type.GetGenericArguments() : [])
        {
            Describe(writer, argument);
        }
    }

    private static Type Resolve(ref WireReader reader, int depth)
    {
        if (depth > MaxNesting)
        {
            throw WireReader.Invalid($"a type reference nests deeper than {MaxNesting} levels");
        }

        var kind = reader.ReadByte();
        switch (kind)
        {
            case Scalar:
                var scalar = reader.ReadVarUInt();
                return scalar < (ulong)ScalarCodecs.All.Length ? ScalarCodecs.All[scalar].Type : throw WireReader.Invalid($"unknown framework type #{scalar}");
            case KnownGeneric:
                var generic = reader.ReadVarUInt();
                return generic < (ulong)Generics.Length
                    ? Construct(ref reader, Generics[generic], depth)
                    : throw WireReader.Invalid($"unknown generic framework type #{generic}");
            case Array:
                var element = Resolve(ref reader, depth + 1);
                return element.IsByRefLike || element == typeof(void) ? throw WireReader.Invalid("an array of a stack-only type") : element.MakeArrayType();
            case FrameworkEnum:
                return ResolveFrameworkEnum(reader.ReadRequiredString(), reader.ReadRequiredString());
            case UserType:
                var assemblyName = reader.ReadRequiredString();
                var fullName = reader.ReadRequiredString();
                var definition = reader.Allowlist.FindUserType(assemblyName, fullName)
                    ?? throw new DisallowedTypeException($"{fullName}, {assemblyName}", "it is not a type of the assemblies allowed here");
                var count = reader.ReadVarUInt();
                return count == (ulong)(definition.IsGenericTypeDefinition ? definition.GetGenericArguments().Length : 0)
                    ? count == 0 ? definition : Construct(ref reader, definition, depth)
                    : throw WireReader.Invalid($"{fullName} does not take {count} type arguments");
            default:
                throw WireReader.Invalid($"unknown type reference kind {kind}");
        }
    }

    private static Type Construct(ref WireReader reader, Type definition, int depth)
    {
        var arguments = new Type[definition.GetGenericArguments().Length];
        for (var i = 0; i < arguments.Length; i++)
        {
            arguments[i] = Resolve(ref reader, depth + 1);
        }

        // Constraint violations (Nullable<string>) throw ArgumentException, which decoding reports as invalid data.
        return definition.MakeGenericType(arguments);
    }

    // Framework enums are harmless numbers; they are looked up only in framework assemblies already loaded, and
    // only names made of identifier characters are looked up, so that no generic or assembly-qualified name parses.
    private static Type ResolveFrameworkEnum(string assemblyName, string fullName)
    {
        var assembly = fullName.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '+' or '_')
            ? AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(loaded => FrameworkAssemblies.IsPlatform(loaded) && loaded.GetName().Name == assemblyName)
            : null;
        return assembly?.GetType(fullName, throwOnError: false) is { IsEnum: true } type
            ? type
            : throw new DisallowedTypeException($"{fullName}, {assemblyName}", "only enums are named from framework assemblies");
    }
}
