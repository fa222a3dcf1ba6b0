namespace JobQueue.Serialization;

/// <summary>
/// Encodes captured values, task arguments and results as compact binary, for one declared type, in both directions.
/// Only the allowlist's types are written or read: a value of another type fails to encode with its path from
/// <c>root</c>, and bytes naming another type fail to decode before anything of that type is created.
/// </summary>
/// <remarks>
/// Wire format: one version byte, then the root slot. Numbers are little-endian or (zig-zag) varints; strings are
/// their UTF-8 length + 1 (0 = null) and bytes; a reference-type slot starts with a tag (null, exact declared type,
/// a type named by a type reference, or a back-reference to an earlier object), so shared objects and cycles come
/// back as they were. Objects are their fields in metadata order, collections a count and their items.
/// </remarks>
internal static class ValueCodec
{
    private const byte Version = 1;

    /// <exception cref="UnsupportedValueException">Something in <paramref name="value"/> cannot be sent; the message has its path from <paramref name="root"/>.</exception>
    public static byte[] Encode<T>(T value, TypeAllowlist allowlist, string root = "value") =>
        Write(allowlist, root, value, static (writer, value) => CodecOf<T>.Instance.WriteSlot(writer, value));

    /// <summary>Encodes <paramref name="value"/> into <paramref name="destination"/> as it goes, never whole in memory (a large scattered value).</summary>
    /// <exception cref="UnsupportedValueException">Something in <paramref name="value"/> cannot be sent; the message has its path from <paramref name="root"/>.</exception>
    public static void EncodeTo<T>(T value, TypeAllowlist allowlist, string root, Stream destination)
    {
        var writer = Begin(allowlist);
        try
        {
            writer.StreamTo(destination);
            CodecOf<T>.Instance.WriteSlot(writer, value);
            writer.Flush();
        }
        catch (UnsupportedValueException exception)
        {
            exception.Within(root);
            throw;
        }
        finally
        {
            writer.Return();
        }
    }

    /// <exception cref="InvalidDataException">The bytes are not a value of <typeparamref name="T"/>.</exception>
    /// <exception cref="DisallowedTypeException">The bytes name a type the allowlist refuses.</exception>
    public static T Decode<T>(ReadOnlySpan<byte> bytes, TypeAllowlist allowlist)
    {
        var reader = new WireReader(bytes, allowlist);
        try
        {
            ReadVersion(ref reader);
            var value = CodecOf<T>.Instance.ReadSlot(ref reader);
            reader.EnsureEnd();
            return value;
        }
        catch (Exception exception) when (IsFromBadData(exception))
        {
            throw new InvalidDataException($"The value's bytes are invalid: {exception.Message}", exception);
        }
    }

    /// <summary>Encodes <paramref name="value"/> as <paramref name="declaredType"/> (its runtime type travels where it differs).</summary>
    public static byte[] Encode(object? value, Type declaredType, TypeAllowlist allowlist, string root)
    {
        if (value is null ? declaredType.IsValueType && Nullable.GetUnderlyingType(declaredType) is null : !declaredType.IsInstanceOfType(value))
        {
            throw new ArgumentException($"A {value?.GetType().Name ?? "null"} is not a {TypeNames.Display(declaredType)}.", nameof(value));
        }

        return Write(allowlist, root, (Codec: Codecs.For(declaredType), Value: value), static (writer, boxed) => boxed.Codec.WriteSlotBoxed(writer, boxed.Value));
    }

    // The state travels beside a static writer so that encoding a task's argument allocates only its bytes.
    private static byte[] Write<TState>(TypeAllowlist allowlist, string root, TState state, Action<WireWriter, TState> write)
    {
        var writer = Begin(allowlist);
        try
        {
            write(writer, state);
            return writer.ToArray();
        }
        catch (UnsupportedValueException exception)
        {
            exception.Within(root);
            throw;
        }
        finally
        {
            writer.Return();
        }
    }

    /// <summary>Whether <paramref name="exception"/> is how decoding refuses bytes.</summary>
    public static bool IsDecodingFailure(Exception exception) => exception is InvalidDataException or DisallowedTypeException;

    public static object? Decode(ReadOnlySpan<byte> bytes, Type declaredType, TypeAllowlist allowlist)
    {
        var reader = new WireReader(bytes, allowlist);
        try
        {
            ReadVersion(ref reader);
            var value = Codecs.For(declaredType).ReadSlotBoxed(ref reader);
            reader.EnsureEnd();
            return value;
        }
        catch (Exception exception) when (IsFromBadData(exception))
        {
            throw new InvalidDataException($"The value's bytes are invalid: {exception.Message}", exception);
        }
    }

    /// <summary>
    /// The bytes of a value, declared as any reference type, whose runtime type is named as
    /// <paramref name="fullTypeName"/> in <paramref name="assemblyName"/>: what an attacker would send to make a
    /// worker create an instance of a type of their choosing. For tests that such bytes are refused.
    /// </summary>
    internal static byte[] CraftValueNamingType(string assemblyName, string fullTypeName)
    {
        var writer = Begin(TypeAllowlist.Client);
        try
        {
            writer.WriteByte(SlotTag.Typed);
            writer.WriteVarUInt(0);
            TypeReferences.DescribeUserType(writer, assemblyName, fullTypeName);
            // An empty field list, as if the type had no fields.
            writer.WriteByte(0);
            return writer.ToArray();
        }
        finally
        {
            writer.Return();
        }
    }

    private static WireWriter Begin(TypeAllowlist allowlist)
    {
        ArgumentNullException.ThrowIfNull(allowlist);
        var writer = WireWriter.Rent(allowlist);
        writer.WriteByte(Version);
        return writer;
    }

    private static void ReadVersion(ref WireReader reader)
    {
        var version = reader.ReadByte();
        if (version != Version)
        {
            throw WireReader.Invalid($"format version {version} is not {Version}; client and worker run different JobQueue versions");
        }
    }

    // Framework constructors and collections reject impossible values (a duplicate dictionary key, a decimal with a
    // bad scale) with these; from decoding they mean the bytes were wrong.
    private static bool IsFromBadData(Exception exception) =>
        exception is ArgumentException or OverflowException or InvalidCastException or FormatException or IndexOutOfRangeException;
}
