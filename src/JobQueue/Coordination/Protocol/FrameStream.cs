using System.Buffers;
using System.Buffers.Binary;
using Google.Protobuf;

namespace JobQueue.Coordination.Protocol;

/// <summary>A peer broke the protocol: a frame of the wrong size, bytes that are not the expected message, a failed proof.</summary>
internal sealed class WireProtocolException(string message, Exception? innerException = null) : Exception(message, innerException);

/// <summary>
/// Length-prefixed protobuf frames over a connection (read through <paramref name="input"/>, which may buffer, written
/// to <paramref name="output"/>): a 4-byte little-endian length, then the message. Reading needs a
/// size limit, so a peer cannot make us allocate what it claims; writing batches every queued message into one write.
/// </summary>
internal sealed class FrameStream(Stream input, Stream output) : IAsyncDisposable
{
    /// <summary>Limit of a frame once authenticated: large task batches and function definitions fit, nothing absurd does.</summary>
    public const int MaxFrameSize = 64 * 1024 * 1024;

    /// <summary>Limit during the handshake, when the peer is not yet trusted.</summary>
    public const int HandshakeFrameSize = 1024;

    private readonly byte[] _header = new byte[4];
    private byte[] _body = new byte[4096];
    private readonly ArrayBufferWriter<byte> _output = new(64 * 1024);

    /// <summary>Reads one message; null when the peer closed the connection cleanly between frames.</summary>
    /// <exception cref="WireProtocolException">The frame is larger than <paramref name="maxSize"/> or is not a <typeparamref name="T"/>.</exception>
    public async ValueTask<T?> ReadAsync<T>(MessageParser<T> parser, int maxSize, CancellationToken cancellationToken)
        where T : class, IMessage<T>
    {
        var headerRead = await input.ReadAtLeastAsync(_header, _header.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (headerRead == 0)
        {
            return null;
        }

        if (headerRead < _header.Length)
        {
            throw new WireProtocolException("The connection closed in the middle of a frame header.");
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(_header);
        if (length < 0 || length > maxSize)
        {
            throw new WireProtocolException($"A frame of {length} bytes exceeds the limit of {maxSize} bytes.");
        }

        if (_body.Length < length)
        {
            _body = new byte[Math.Max(length, _body.Length * 2)];
        }

        await input.ReadExactlyAsync(_body.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
        try
        {
            return parser.ParseFrom(_body.AsSpan(0, length));
        }
        catch (InvalidProtocolBufferException exception)
        {
            throw new WireProtocolException($"A frame of {length} bytes is not a valid {typeof(T).Name} message.", exception);
        }
    }

    /// <summary>Adds a message to the next write.</summary>
    public void Enqueue(IMessage message)
    {
        var size = message.CalculateSize();
        BinaryPrimitives.WriteInt32LittleEndian(_output.GetSpan(4), size);
        _output.Advance(4);
        message.WriteTo(_output.GetSpan(size)[..size]);
        _output.Advance(size);
    }

    /// <summary>Writes every enqueued message at once.</summary>
    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (_output.WrittenCount == 0)
        {
            return;
        }

        await output.WriteAsync(_output.WrittenMemory, cancellationToken).ConfigureAwait(false);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        _output.ResetWrittenCount();
    }

    public async ValueTask WriteAsync(IMessage message, CancellationToken cancellationToken)
    {
        Enqueue(message);
        await FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await input.DisposeAsync().ConfigureAwait(false);
        await output.DisposeAsync().ConfigureAwait(false);
    }
}
