using JobQueue.Protocol;
using JobQueue.Serialization;

namespace JobQueue.Shipping;

/// <summary>
/// Scattered values, encoded straight into a file of this process's private directory (mode 0700, in the temporary
/// directory) rather than into memory: the client then holds the user's value once, not its encoding beside it, and
/// the file server reads each chunk from disk as workers fetch it. Small encodings go back into memory; the directory
/// goes when the process ends, since any cluster of the process may still send what was scattered.
/// </summary>
internal static class SpilledValues
{
    // Encodings up to this size stay in memory: a file for each small value would cost more than it saves.
    private const long InMemoryLimit = 1 << 20;

    private static readonly Lazy<PrivateDirectory> Directory = new(() =>
    {
        var directory = PrivateDirectory.CreateInTemp();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => directory.Dispose();
        return directory;
    });

    private static long _files;

    /// <exception cref="UnsupportedValueException">Something in <paramref name="value"/> cannot be sent; the message has its path.</exception>
    public static ShippedFile Add<T>(string name, T value)
    {
        var path = Path.Combine(Directory.Value.Path, $"value-{Interlocked.Increment(ref _files)}");
        byte[]? small = null;
        try
        {
            using var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read);
            ValueCodec.EncodeTo(value, TypeAllowlist.Client, "the scattered value", file);
            if (file.Length <= InMemoryLimit)
            {
                small = new byte[file.Length];
                file.Position = 0;
                file.ReadExactly(small);
            }
        }
        catch
        {
            File.Delete(path);
            throw;
        }

        if (small is null)
        {
            return ShippedFiles.AddFile(path, name);
        }

        File.Delete(path);
        return ShippedFiles.AddContent(name, small);
    }
}
