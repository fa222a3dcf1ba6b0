using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace JobQueue.Serialization;

/// <summary>
/// The growing output of one encoding plus its per-message state: objects already written (for shared references
/// and cycles) and type references already written. One instance per thread is reused, so encoding a small value
/// allocates only the resulting array.
/// </summary>
internal sealed class WireWriter
{
    /// <summary>Deeper graphs are refused rather than risking the stack (the decoder has the same bound).</summary>
    public const int MaxDepth = 512;

    private const int RetainedCapacity = 1 << 20;

    // What a writer with a sink gathers before each write to it.
    private const int SinkBufferSize = 64 << 10;

    [ThreadStatic]
    private static WireWriter? _cached;

    private byte[] _buffer = new byte[256];
    private int _position;
    private int _depth;
    private Dictionary<object, int>? _objects;
    private Dictionary<Type, int>? _types;

    // Where a large encoding goes as it is written (a scattered value's file), instead of into one growing buffer.
    private Stream? _sink;

    private WireWriter(TypeAllowlist allowlist) => Allowlist = allowlist;

    public TypeAllowlist Allowlist { get; private set; }

    /// <summary>A writer for one message, the thread's cached one if it is free.</summary>
    public static WireWriter Rent(TypeAllowlist allowlist)
    {
        var writer = _cached ?? new WireWriter(allowlist);
        _cached = null;
        writer.Allowlist = allowlist;
        return writer;
    }

    /// <summary>
    /// Sends what is written to <paramref name="sink"/> whenever the buffer is full (and large byte runs straight
    /// through), so that the encoding never sits in memory whole; <see cref="Flush"/> writes the rest.
    /// </summary>
    public void StreamTo(Stream sink)
    {
        Flush();
        _sink = sink;
        if (_buffer.Length < SinkBufferSize)
        {
            Array.Resize(ref _buffer, SinkBufferSize);
        }
    }

    /// <summary>Writes what the buffer holds to the sink, if there is one.</summary>
    public void Flush()
    {
        if (_sink is not null && _position > 0)
        {
            _sink.Write(_buffer, 0, _position);
            _position = 0;
        }
    }

    /// <summary>Clears the message state and gives the writer back to the thread, unless it grew very large.</summary>
    public void Return()
    {
        _sink = null;
        _position = 0;
        _depth = 0;
        _objects?.Clear();
        _types?.Clear();
        if (_buffer.Length <= RetainedCapacity && (_objects is null || _objects.Count < RetainedCapacity))
        {
            _cached = this;
        }
    }

    public byte[] ToArray() => _buffer.AsSpan(0, _position).ToArray();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteByte(byte value)
    {
        if (_position == _buffer.Length)
        {
            MakeRoom(1);
        }

        _buffer[_position++] = value;
    }

    public void WriteVarUInt(ulong value)
    {
        var span = GetSpan(10);
        var count = 0;
        while (value >= 0x80)
        {
            span[count++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[count++] = (byte)value;
        _position += count;
    }

    /// <summary>Zig-zag, so that small negative numbers stay short.</summary>
    public void WriteVarInt(long value) => WriteVarUInt((ulong)((value << 1) ^ (value >> 63)));

    public void WriteInt64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(GetSpan(8), value);
        _position += 8;
    }

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        if (_sink is not null && bytes.Length > _buffer.Length)
        {
            Flush();
            _sink.Write(bytes);
            return;
        }

        bytes.CopyTo(GetSpan(bytes.Length));
        _position += bytes.Length;
    }

    /// <summary>Room for <paramref name="size"/> bytes at the end; <see cref="Advance"/> then says how many were used.</summary>
    public Span<byte> GetSpan(int size)
    {
        if (_buffer.Length - _position < size)
        {
            MakeRoom(size);
        }

        return _buffer.AsSpan(_position, size);
    }

    public void Advance(int count) => _position += count;

    /// <summary>UTF-8 with the byte count plus one first, so that 0 can stand for null where a string is declared.</summary>
    public void WriteString(string value)
    {
        var size = Encoding.UTF8.GetByteCount(value);
        WriteVarUInt((ulong)size + 1);
        _position += Encoding.UTF8.GetBytes(value, GetSpan(size));
    }

    /// <summary>The index of an object already in the message, or registers it as the next one.</summary>
    public bool TryGetObject(object value, out int index)
    {
        _objects ??= new Dictionary<object, int>(ReferenceEqualityComparer.Instance);
        if (_objects.TryGetValue(value, out index))
        {
            return true;
        }

        _objects.Add(value, _objects.Count);
        return false;
    }

    /// <summary>The index of a type reference already in the message, or registers it as the next one.</summary>
    public bool TryGetType(Type type, out int index)
    {
        _types ??= [];
        if (_types.TryGetValue(type, out index))
        {
            return true;
        }

        _types.Add(type, _types.Count);
        return false;
    }

    public void Enter(Type type)
    {
        if (++_depth > MaxDepth || !RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            throw new UnsupportedValueException(type, $"the value nests deeper than {MaxDepth} objects; send a flatter structure (e.g. a list instead of a long linked chain)");
        }
    }

    public void Exit() => _depth--;

    // With a sink, the buffer is emptied into it first, and grows only for a single run larger than itself.
    private void MakeRoom(int size)
    {
        Flush();
        if (_buffer.Length - _position < size)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _position + size));
        }
    }
}
