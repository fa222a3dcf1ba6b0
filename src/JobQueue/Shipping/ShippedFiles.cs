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
    private static readonly ConcurrentDictionary<ByteString, Func<byte[]>> Contents = new();
    private static readonly ConcurrentDictionary<string, ShippedFile> FilesByPath = new();

    /// <summary>Names a file on disk by its content; hashed once per path.</summary>
    public static ShippedFile AddFile(string path, string name) => FilesByPath.GetOrAdd(path, _ =>
    {
        var bytes = File.ReadAllBytes(path);
        var file = Describe(name, bytes);
        Contents.TryAdd(file.Sha256, () => File.ReadAllBytes(path));
        return file;
    });

    /// <summary>Names bytes by their content and keeps them until the process ends.</summary>
    public static ShippedFile AddContent(string name, byte[] content)
    {
        var file = Describe(name, content);
        Contents.TryAdd(file.Sha256, () => content);
        return file;
    }

    /// <summary>The content of a file named here, or null for a hash this process never shipped.</summary>
    public static byte[]? TryRead(ByteString sha256) => Contents.TryGetValue(sha256, out var read) ? read() : null;

    private static ShippedFile Describe(string name, byte[] content) => new()
    {
        Name = name,
        Sha256 = ByteString.CopyFrom(SHA256.HashData(content)),
        Size = (ulong)content.Length,
    };
}
