using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace JobQueue.Serialization;

/// <summary>
/// Reads one message. Every length is checked against the bytes that remain before anything is allocated, and
/// nesting is bounded, so garbage ends in an <see cref="InvalidDataException"/> rather than out-of-memory or a
/// stack overflow.
/// </summary>
internal ref struct WireReader(ReadOnlySpan<byte> bytes, TypeAllowlist allowlist)
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ReadOnlySpan<byte> _bytes = bytes;
    private int _position;
    private int _depth;
    private List<object?>? _objects;
    private List<Codec>? _types;

    // The numbers of the objects being read, outermost first, and of those known to reach a cycle of objects that
    // hash by value (see HashCycles).
    private List<int>? _open;
    private HashSet<int>? _reachCycles;

    public readonly TypeAllowlist Allowlist = allowlist;

    public readonly int Remaining => _bytes.Length - _position;

    public byte ReadByte() => _position < _bytes.Length ? _bytes[_position++] : throw Truncated();

    public ReadOnlySpan<byte> ReadSpan(int count)
    {
        if ((uint)count > (uint)Remaining)
        {
            throw Truncated();
        }

        var span = _bytes.Slice(_position, count);
        _position += count;
        return span;
    }

    public ulong ReadVarUInt()
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var next = ReadByte();
            value |= (ulong)(next & 0x7f) << shift;
            if (next < 0x80)
            {
                return value;
            }
        }

        throw Invalid("a variable-length integer is longer than 10 bytes");
    }

    public long ReadVarInt()
    {
        var raw = ReadVarUInt();
        return (long)(raw >> 1) ^ -(long)(raw & 1);
    }

    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(ReadSpan(8));

    /// <summary>A count of items that each take at least one byte, so it can be no larger than what remains.</summary>
    public int ReadCount()
    {
        var count = ReadVarUInt();
        return count <= (ulong)Remaining ? (int)count : throw Invalid($"a count of {count} items exceeds the {Remaining} bytes left");
    }

    /// <summary>A string, or null where the writer wrote 0 for it.</summary>
    public string? ReadString()
    {
        var sizePlusOne = ReadVarUInt();
        if (sizePlusOne == 0)
        {
            return null;
        }

        if (sizePlusOne - 1 > (ulong)Remaining)
        {
            throw Truncated();
        }

        try
        {
            return StrictUtf8.GetString(ReadSpan((int)(sizePlusOne - 1)));
        }
        catch (DecoderFallbackException exception)
        {
            throw new InvalidDataException("A string in the value is not valid UTF-8.", exception);
        }
    }

    public string ReadRequiredString() => ReadString() ?? throw Invalid("a required name is null");

    /// <summary>
    /// How many times so far a back-reference closed, or led to, a cycle of objects that all hash by value (records,
    /// types overriding GetHashCode): hashing such a cycle never ends. Hash collections compare this count before and
    /// after reading an item, so that they never hash one that reaches such a cycle.
    /// </summary>
    public int HashCycles { get; private set; }

    /// <summary>How many objects were read so far: the next one's number.</summary>
    public readonly int ObjectCount => _objects?.Count ?? 0;

    /// <summary>Registers a new object in reading order, matching the writer's numbering; it is open until <see cref="CloseObject"/>.</summary>
    public void AddObject(object value)
    {
        (_objects ??= []).Add(value);
        (_open ??= []).Add(_objects.Count - 1);
    }

    /// <summary>Keeps a number for an object built after its parts (a tuple); a reference to it before then is invalid.</summary>
    public int ReserveObject()
    {
        AddObject(null!);
        return _objects!.Count - 1;
    }

    /// <summary>The object numbered <paramref name="number"/>, if one was registered by this slot, is read completely.</summary>
    public readonly void CloseObject(int number)
    {
        if (_open is { Count: > 0 } open && open[^1] == number)
        {
            open.RemoveAt(open.Count - 1);
        }
    }

    /// <summary>The object a back-reference names, noting whether it closes or leads to a cycle of value-hashed objects.</summary>
    public object ReferencedObject(ulong index)
    {
        var value = ObjectAt(index);
        var number = (int)index;
        if (_reachCycles?.Contains(number) == true || IsOpenCycleHashedByValue(number))
        {
            HashCycles++;
            // Everything being read contains this reference, so it reaches the cycle too.
            (_reachCycles ??= []).UnionWith(_open!);
        }

        return value;
    }

    // A reference to an open object closes a cycle through it and every object opened after it that is still open.
    private readonly bool IsOpenCycleHashedByValue(int number)
    {
        if (_open is null || _open.Count == 0 || _open[0] > number)
        {
            return false;
        }

        for (var i = _open.Count - 1; i >= 0 && _open[i] >= number; i--)
        {
            if (_objects![_open[i]] is { } member && !HashedItems.ByValue(member.GetType()))
            {
                return false;
            }

            if (_open[i] == number)
            {
                return true;
            }
        }

        return false;
    }

    public readonly void SetReserved(int index, object value) => _objects![index] = value;

    public readonly object ObjectAt(ulong index) =>
        _objects is not null && index < (ulong)_objects.Count
            ? _objects[(int)index] ?? throw Invalid("a reference points to an object that is still being read")
            : throw Invalid($"a reference to object #{index}, which was not read");

    public readonly Codec? TypeAt(ulong index) => _types is not null && index < (ulong)_types.Count ? _types[(int)index] : null;

    public void AddType(Codec codec) => (_types ??= []).Add(codec);

    public void Enter()
    {
        if (++_depth > WireWriter.MaxDepth || !RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            throw Invalid($"the value nests deeper than {WireWriter.MaxDepth} levels");
        }
    }

    public void Exit() => _depth--;

    public readonly void EnsureEnd()
    {
        if (Remaining != 0)
        {
            throw Invalid($"{Remaining} bytes are left after the value");
        }
    }

    public static InvalidDataException Invalid(string problem) => new($"The value's bytes are invalid: {problem}.");

    private static InvalidDataException Truncated() => Invalid("they end too early");
}
