using System.Security.Cryptography;
using JobQueue.Security;
using Microsoft.Extensions.Logging;

namespace JobQueue.Coordination;

/// <summary>
/// The per-cluster random secret that workers and coordinator prove to each other. It lives only in a file
/// that its owner alone can read (0600), never on a command line or in a job script.
/// </summary>
internal sealed class ClusterSecret : IDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const int SecretBytes = 32;

    private ClusterSecret(string path, byte[] bytes)
    {
        Path = path;
        Bytes = bytes;
    }

    public string Path { get; }

    public byte[] Bytes { get; }

    /// <summary>
    /// Writes a new random secret to <paramref name="path"/>, creating its directory readable by its owner only, and
    /// first removes the secrets there of this host's processes that no longer run (<see cref="SecretFiles"/>).
    /// </summary>
    public static ClusterSecret Create(string path, ILogger logger)
    {
        var directory = System.IO.Path.GetDirectoryName(path)!;
        var bytes = RandomNumberGenerator.GetBytes(SecretBytes);

        // CreateNew is O_EXCL: it never opens what is already there, a symbolic link planted at the path included.
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

        SecretFiles.RemoveStale(directory, logger);
        using (var file = new FileStream(path, options))
        {
            file.Write(System.Text.Encoding.ASCII.GetBytes(Convert.ToHexString(bytes)));
        }

        SecretFiles.RecordOwner(path, options);
        return new ClusterSecret(path, bytes);
    }

    /// <summary>Reads the secret a worker was pointed at.</summary>
    /// <exception cref="InvalidOperationException">
    /// The file is missing, not a regular file of this user, readable or writable by others, or holds no secret; the
    /// message names the path. (A bad secret file is a setup error, not a coordinator that failed to prove itself.)
    /// </exception>
    public static byte[] Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"The secret file {path} does not exist: the cluster writes it when its coordinator starts, in a directory the nodes must see (SharedTempDirectory).");
        }

        if (!OperatingSystem.IsWindows())
        {
            if (UnixFileStatus.IsSupported && UnixFileStatus.OfLink(path) is { } status)
            {
                if (status.Kind != UnixFileKind.RegularFile)
                {
                    throw new InvalidOperationException($"The secret file {path} is not a regular file (a {status.Kind}); only the file the cluster wrote is trusted.");
                }

                if (status.Owner != UnixFileStatus.CurrentUser)
                {
                    throw new InvalidOperationException($"The secret file {path} belongs to user id {status.Owner}, not to this user ({UnixFileStatus.CurrentUser}); only the file the cluster wrote is trusted.");
                }
            }

            if ((File.GetUnixFileMode(path) & ~(OwnerOnly | UnixFileMode.UserExecute)) != 0)
            {
                throw new InvalidOperationException($"The secret file {path} can be read or written by other users; it must be mode 0600.");
            }
        }

        var text = File.ReadAllText(path).Trim();
        try
        {
            return text.Length == SecretBytes * 2 ? Convert.FromHexString(text) : throw new FormatException();
        }
        catch (FormatException)
        {
            throw new InvalidOperationException($"The secret file {path} does not hold a JobQueue secret: {text.Length} characters, where a secret is {SecretBytes * 2} hexadecimal digits.");
        }
    }

    /// <summary>
    /// A token for <paramref name="purpose"/> (e.g. <c>dashboard</c>): HMAC-SHA256 keyed with the secret, in lowercase hex.
    /// Showing it (in a URL) reveals nothing of the secret that workers prove.
    /// </summary>
    public string Derive(string purpose) => Convert.ToHexStringLower(HMACSHA256.HashData(Bytes, System.Text.Encoding.UTF8.GetBytes(purpose)));

    public void Dispose() => SecretFiles.Remove(Path);
}
