using System.Security.Cryptography;
using JobQueue.Protocol;
using JobQueue.Security;
using Microsoft.Extensions.Logging;

namespace JobQueue.Protocol;

/// <summary>
/// The per-cluster random secret that workers and coordinator prove to each other, and the hash of the coordinator's
/// certificate that workers pin. They live only in a file that its owner alone can read (0600), never on a command
/// line or in a job script: a line of the secret in hex, then a line of the certificate hash in hex.
/// </summary>
internal sealed class ClusterSecret : IDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const int SecretBytes = 32;

    private ClusterSecret(string path, ClusterKeys keys)
    {
        Path = path;
        Keys = keys;
    }

    public string Path { get; }

    public ClusterKeys Keys { get; }

    /// <summary>
    /// Writes a new random secret and <paramref name="certificateSha256"/> to <paramref name="path"/>, creating its
    /// directory readable by its owner only, and first removes the secrets there of this host's processes that no
    /// longer run (<see cref="SecretFiles"/>).
    /// </summary>
    public static ClusterSecret Create(string path, byte[] certificateSha256, ILogger logger)
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
            file.Write(System.Text.Encoding.ASCII.GetBytes($"{Convert.ToHexString(bytes)}\n{Convert.ToHexString(certificateSha256)}\n"));
        }

        SecretFiles.RecordOwner(path, options);
        return new ClusterSecret(path, new ClusterKeys(bytes, certificateSha256));
    }

    /// <summary>Reads the secret and the certificate hash a worker was pointed at.</summary>
    /// <exception cref="InvalidOperationException">
    /// The file is missing, not a regular file of this user, readable or writable by others, or holds no secret; the
    /// message names the path. (A bad secret file is a setup error, not a coordinator that failed to prove itself.)
    /// </exception>
    public static ClusterKeys Read(string path)
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

        // Two lines of 64 hexadecimal digits: the secret, then the certificate hash.
        var lines = File.ReadAllText(path).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines is not [{ Length: SecretBytes * 2 } secret, { Length: SecretBytes * 2 } certificate])
        {
            var found = lines.Length == 0 ? "it is empty" : $"it has {lines.Length} lines of {string.Join(", ", lines.Select(line => line.Length))} characters";
            throw new InvalidOperationException(
                $"The secret file {path} does not hold a JobQueue secret ({found}): the cluster writes 2 lines of {SecretBytes * 2} hexadecimal digits, the secret and the coordinator's certificate hash.");
        }

        try
        {
            return new ClusterKeys(Convert.FromHexString(secret), Convert.FromHexString(certificate));
        }
        catch (FormatException)
        {
            throw new InvalidOperationException($"The secret file {path} does not hold a JobQueue secret: its lines are not hexadecimal digits.");
        }
    }

    /// <summary>
    /// A token for <paramref name="purpose"/> (e.g. <c>dashboard</c>): HMAC-SHA256 keyed with the secret, in lowercase hex.
    /// Showing it (in a URL) reveals nothing of the secret that workers prove.
    /// </summary>
    public string Derive(string purpose) => Convert.ToHexStringLower(HMACSHA256.HashData(Keys.Secret, System.Text.Encoding.UTF8.GetBytes(purpose)));

    public void Dispose() => SecretFiles.Remove(Path);
}
