using System.Security.Cryptography;

namespace JobQueue.Coordination;

/// <summary>
/// The per-cluster random secret that workers and coordinator prove to each other. It lives only in a file
/// that its owner alone can read (0600), never on a command line or in a job script.
/// </summary>
internal sealed class ClusterSecret : IDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private ClusterSecret(string path, byte[] bytes)
    {
        Path = path;
        Bytes = bytes;
    }

    public string Path { get; }

    public byte[] Bytes { get; }

    /// <summary>Writes a new random secret to <paramref name="path"/>, creating its directory readable by its owner only.</summary>
    public static ClusterSecret Create(string path)
    {
        var directory = System.IO.Path.GetDirectoryName(path)!;
        var bytes = RandomNumberGenerator.GetBytes(32);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            if (!Directory.Exists(directory))
            {
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            options.UnixCreateMode = OwnerOnly;
        }

        using (var file = new FileStream(path, options))
        {
            file.Write(System.Text.Encoding.ASCII.GetBytes(Convert.ToHexString(bytes)));
        }

        return new ClusterSecret(path, bytes);
    }

    /// <summary>Reads the secret a worker was pointed at.</summary>
    /// <exception cref="InvalidOperationException">The file is missing, readable by others, or holds no secret.</exception>
    public static byte[] Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"The secret file {path} does not exist: the cluster writes it when its coordinator starts, in a directory the nodes must see (SharedTempDirectory).");
        }

        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & ~(OwnerOnly | UnixFileMode.UserExecute)) != 0)
        {
            throw new InvalidOperationException($"The secret file {path} can be read by other users; it must be mode 0600.");
        }

        try
        {
            return Convert.FromHexString(File.ReadAllText(path).Trim());
        }
        catch (FormatException exception)
        {
            throw new InvalidOperationException($"The secret file {path} does not hold a JobQueue secret.", exception);
        }
    }

    /// <summary>
    /// A token for <paramref name="purpose"/> (e.g. <c>dashboard</c>): HMAC-SHA256 keyed with the secret, in lowercase hex.
    /// Showing it (in a URL) reveals nothing of the secret that workers prove.
    /// </summary>
    public string Derive(string purpose) => Convert.ToHexStringLower(HMACSHA256.HashData(Bytes, System.Text.Encoding.UTF8.GetBytes(purpose)));

    public void Dispose() => File.Delete(Path);
}
