using Google.Protobuf;
using JobQueue.Protocol;
using JobQueue.Shipping;

namespace JobQueue.Coordination;

/// <summary>Answers a worker's fetch of shipped files (code, large captured values) in chunks, by content hash.</summary>
internal sealed class FileServer
{
    private const int ChunkSize = 1 << 20;

    private long _bytesSent;

    /// <summary>Bytes of files sent so far: a diagnostic counter.</summary>
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    // Only what this process put into ShippedFiles can be asked for: a hash is not a path.
    public void Send(WorkerSession session, IEnumerable<ByteString> hashes)
    {
        foreach (var sha256 in hashes)
        {
            var content = ShippedFiles.TryRead(sha256);
            if (content is null)
            {
                session.Send(new ToWorker { File = new FileChunk { Sha256 = sha256, Last = true, Error = "this cluster never shipped a file with that hash" } });
                continue;
            }

            for (var offset = 0; offset == 0 || offset < content.Length; offset += ChunkSize)
            {
                var length = Math.Min(ChunkSize, content.Length - offset);
                session.Send(new ToWorker
                {
                    File = new FileChunk { Sha256 = sha256, Data = ByteString.CopyFrom(content, offset, length), Last = offset + length == content.Length },
                });
            }

            Interlocked.Add(ref _bytesSent, content.Length);
        }
    }
}
