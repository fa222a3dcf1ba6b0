using System.Buffers.Binary;

namespace JobQueue.Protocol;

/// <summary>
/// The argument of a task of several arguments (<see cref="FunctionShape.SeveralArguments"/>): each argument encoded
/// on its own, preceded by its length (4 bytes, little-endian). The coordinator joins bytes it never decodes (other
/// tasks' results); the worker splits them and decodes each as its parameter's type.
/// </summary>
internal static class ArgumentFrames
{
    private const int LengthSize = sizeof(int);

    public static byte[] Join(IReadOnlyList<byte[]> arguments)
    {
        var joined = new byte[arguments.Sum(argument => LengthSize + argument.Length)];
        var at = 0;
        foreach (var argument in arguments)
        {
            BinaryPrimitives.WriteInt32LittleEndian(joined.AsSpan(at), argument.Length);
            argument.CopyTo(joined.AsSpan(at + LengthSize));
            at += LengthSize + argument.Length;
        }

        return joined;
    }

    /// <summary>The <paramref name="count"/> arguments joined in <paramref name="joined"/>.</summary>
    /// <exception cref="InvalidDataException">The bytes are not <paramref name="count"/> framed arguments.</exception>
    public static ReadOnlyMemory<byte>[] Split(ReadOnlyMemory<byte> joined, int count)
    {
        var arguments = new ReadOnlyMemory<byte>[count];
        var at = 0;
        for (var i = 0; i < count; i++)
        {
            var length = joined.Length - at >= LengthSize ? BinaryPrimitives.ReadInt32LittleEndian(joined.Span[at..]) : -1;
            if (length < 0 || length > joined.Length - at - LengthSize)
            {
                throw new InvalidDataException($"Argument {i} of {count} is cut short: the task's arguments are not {count} framed values.");
            }

            arguments[i] = joined.Slice(at + LengthSize, length);
            at += LengthSize + length;
        }

        return at == joined.Length ? arguments : throw new InvalidDataException($"The task's arguments hold bytes after its {count} framed values.");
    }
}
