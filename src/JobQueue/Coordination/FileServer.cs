using Google.Protobuf;
using JobQueue.Protocol;
using JobQueue.Shipping;

namespace JobQueue.Coordination;

/// <summary>
/// Answers a worker's fetch of shipped files (code, large captured values and arguments) in chunks, by content hash.
/// Flow control: a chunk is made only once the worker's window has room (<see cref="WorkerSession.FileWindow"/>, freed
/// as its writer sends chunks), so however many workers fetch however large a file, each holds only a few chunks
/// here; chunks of files in memory are slices of them, not copies, and files on disk are read into a few reused buffers.
/// </summary>
internal sealed class FileServer
{
    private long _bytesSent;

    /// <summary>Bytes of files sent so far: a diagnostic counter.</summary>
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>Sends the files a worker asked for, as its window allows, until its call ends.</summary>
    /// <remarks>Only what this process put into ShippedFiles can be asked for: a hash is not a path.</remarks>
    public async Task SendAsync(WorkerSession session, IReadOnlyList<ByteString> hashes, CancellationToken callEnded)
    {
        // Off the read loop, which goes on reading while the files are sent.
        await Task.Yield();
        try
        {
            foreach (var sha256 in hashes)
            {
                try
                {
                    await SendAsync(session, sha256, callEnded).ConfigureAwait(false);
                }
                catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
                {
                    // Ends the worker's transfer, even halfway: what waits for the file fails with this reason.
                    await SendChunkAsync(session, new FileChunk { Sha256 = sha256, Last = true, Error = $"reading it failed: {exception.Message}" }, callEnded).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (callEnded.IsCancellationRequested)
        {
            // The worker is gone; it fetches again when it reconnects.
        }
    }

    private async Task SendAsync(WorkerSession session, ByteString sha256, CancellationToken cancellationToken)
    {
        await using var content = ShippedFiles.TryOpen(sha256);
        if (content is null)
        {
            await SendChunkAsync(session, new FileChunk { Sha256 = sha256, Last = true, Error = "this cluster never shipped a file with that hash, or its task has finished" }, cancellationToken).ConfigureAwait(false);
            return;
        }

        var length = content.Length;
        var inMemory = content is MemoryStream memory && memory.TryGetBuffer(out var buffer) ? buffer : default;

        // A file on disk is read into a ring of as many buffers as the window has room for, not into a new array per
        // chunk (a large value's chunks would pile up as garbage): chunk k reuses the buffer of chunk k - window,
        // which the writer sent before chunk k got room, since it sends a worker's chunks in order.
        var ring = inMemory.Array is null ? new byte[WorkerSession.FileChunksInFlight][] : null;
        for (var (offset, chunk) = (0L, 0); offset == 0 || offset < length; offset += ChannelLimits.ValueChunkSize, chunk++)
        {
            var size = (int)Math.Min(ChannelLimits.ValueChunkSize, length - offset);
            await session.FileWindow.WaitAsync(cancellationToken).ConfigureAwait(false);
            var data = inMemory.Array is { } array
                ? UnsafeByteOperations.UnsafeWrap(array.AsMemory(inMemory.Offset + (int)offset, size))
                : await ReadChunkAsync(content, ring![chunk % ring.Length] ??= new byte[ChannelLimits.ValueChunkSize], size, cancellationToken).ConfigureAwait(false);
            session.Send(new ToWorker { File = new FileChunk { Sha256 = sha256, Data = data, Last = offset + size == length } });
        }

        Interlocked.Add(ref _bytesSent, length);
    }

    private static async Task SendChunkAsync(WorkerSession session, FileChunk chunk, CancellationToken cancellationToken)
    {
        await session.FileWindow.WaitAsync(cancellationToken).ConfigureAwait(false);
        session.Send(new ToWorker { File = chunk });
    }

    private static async Task<ByteString> ReadChunkAsync(Stream content, byte[] buffer, int size, CancellationToken cancellationToken)
    {
        await content.ReadExactlyAsync(buffer.AsMemory(0, size), cancellationToken).ConfigureAwait(false);
        return UnsafeByteOperations.UnsafeWrap(buffer.AsMemory(0, size));
    }
}
