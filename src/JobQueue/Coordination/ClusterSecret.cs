using System.Security.Cryptography;
using JobQueue.Coordination.Protocol;

namespace JobQueue.Coordination;

/// <summary>
/// The per-cluster random secret that workers and coordinator prove to each other, and the hash of the coordinator's
/// certificate that workers pin. They live only in a file that its owner alone can read (0600), never on a command
/// line or in a job script: a line of the secret in hex, then a line of the certificate hash in hex.
/// </summary>
internal sealed class ClusterSecret : IDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private ClusterSecret(string path, ClusterKeys keys)
    {
        Path = path;
        Keys = keys;
    }

    public string Path { get; }

    public ClusterKeys Keys { get; }

    /// <summary>Writes a new random secret and <paramref name="certificateSha256"/> to <paramref name="path"/>, creating its directory readable by its owner only.</summary>
    public static ClusterSecret Create(string path, byte[] certificateSha256)
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
            file.Write(System.Text.Encoding.ASCII.GetBytes($"{Convert.ToHexString(bytes)}\n{Convert.ToHexString(certificateSha256)}\n"));
        }

        return new ClusterSecret(path, new ClusterKeys(bytes, certificateSha256));
    }

    /// <summary>Reads the secret a worker was pointed at.</summary>
    /// <exception cref="InvalidOperationException">The file is missing, readable by others, or holds no secret.</exception>
    public static ClusterKeys Read(string path)
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
            var lines = File.ReadAllLines(path);
            return lines.Length == 2
                ? new ClusterKeys(Convert.FromHexString(lines[0]), Convert.FromHexString(lines[1]))
                : throw new FormatException($"it has {lines.Length} lines instead of 2 (the secret, then the certificate hash)");
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
    public string Derive(string purpose) => Convert.ToHexStringLower(HMACSHA256.HashData(Keys.Secret, System.Text.Encoding.UTF8.GetBytes(purpose)));

    public void Dispose() => File.Delete(Path);
}
