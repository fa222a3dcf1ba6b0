using System.Runtime.CompilerServices;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using Google.Protobuf;
using JobQueue.Protocol;

namespace JobQueue.Shipping;

/// <summary>
/// Everything this process may send to workers, by SHA-256: assemblies and native libraries (read from disk when
/// asked for) and large values (kept in memory). Workers ask by hash, so they can get nothing that was not put here.
/// </summary>
internal static class ShippedFiles
{
    private static readonly ConcurrentDictionary<ByteString, Func<Stream?>> Contents = new();
    private static readonly ConcurrentDictionary<string, ShippedFile> FilesByPath = new();
    private static readonly ConditionalWeakTable<byte[], ShippedFile> WhileAlive = [];

    /// <summary>Names a file on disk by its content; hashed once per path, as a stream (a large value's file is never read whole).</summary>
    public static ShippedFile AddFile(string path, string name) => FilesByPath.GetOrAdd(path, _ =>
    {
        using var content = File.OpenRead(path);
        var file = new ShippedFile { Name = name, Sha256 = ByteString.CopyFrom(SHA256.HashData(content)), Size = (ulong)content.Length };
        Contents.TryAdd(file.Sha256, () => File.OpenRead(path));
        return file;
    });

    /// <summary>Names bytes by their content and keeps them until the process ends.</summary>
    public static ShippedFile AddContent(string name, byte[] content)
    {
        var file = Describe(name, content);
        Contents.TryAdd(file.Sha256, () => InMemory(content));
        return file;
    }

    /// <summary>
    /// Names bytes by their content for as long as <paramref name="content"/> itself lives (a task's large argument,
    /// kept by its task until it finished): workers can fetch it meanwhile, and nothing here keeps it alive after.
    /// </summary>
    public static ShippedFile AddWhileAlive(string name, byte[] content)
    {
        var file = WhileAlive.GetValue(content, content => Describe(name, content));
        var alive = new WeakReference<byte[]>(content);
        Func<Stream?> read = () => alive.TryGetTarget(out var bytes) ? InMemory(bytes) : null;
        // Equal bytes shipped before stay served by whoever still holds them.
        Contents.AddOrUpdate(file.Sha256, read, (_, earlier) =>
        {
            using var still = earlier();
            return still is null ? read : earlier;
        });
        return file;
    }

    /// <summary>
    /// The content of a file named here, to be read in chunks: over the bytes in memory (not copied) or the file on
    /// disk; null for a hash this process never shipped, or a value no longer alive (then its hash is forgotten too).
    /// </summary>
    public static Stream? TryOpen(ByteString sha256)
    {
        if (!Contents.TryGetValue(sha256, out var open))
        {
            return null;
        }

        if (open() is { } stream)
        {
            return stream;
        }

        Contents.TryRemove(new KeyValuePair<ByteString, Func<Stream?>>(sha256, open));
        return null;
    }

    // Its buffer is visible, so that the file server sends slices of it rather than copies.
    private static MemoryStream InMemory(byte[] content) => new(content, 0, content.Length, writable: false, publiclyVisible: true);

    private static ShippedFile Describe(string name, byte[] content) => new()
    {
        Name = name,
        Sha256 = ByteString.CopyFrom(SHA256.HashData(content)),
        Size = (ulong)content.Length,
    };
}
