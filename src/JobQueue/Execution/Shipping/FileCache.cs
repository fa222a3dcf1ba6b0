using System.Collections.Concurrent;
using System.Security.Cryptography;
using Google.Protobuf;
using JobQueue.Coordination.Protocol;

namespace JobQueue.Execution.Shipping;

/// <summary>
/// Files from the coordinator, kept on the node under their SHA-256 so every worker there, and every later job,
/// fetches each one once. A file appears under its name only complete (written aside, then renamed), and this
/// process checks a file's hash before first using it, so nothing another user left in the directory is loaded.
/// </summary>
internal sealed class FileCache
{
    private readonly string _directory;
    private readonly ConcurrentDictionary<ByteString, bool> _verified = new();

    public FileCache(string directory)
    {
        _directory = directory;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>The cache of a worker whose scratch directory is <paramref name="localDirectory"/> (the system's temporary directory when null).</summary>
    public static FileCache ForNode(string? localDirectory) =>
        new(Path.Combine(localDirectory ?? Path.GetTempPath(), $"jobqueue-{Environment.UserName}", "files"));

    public string PathOf(ShippedFile file) => Path.Combine(_directory, Convert.ToHexStringLower(file.Sha256.Span));

    /// <summary>Whether the file is here with the content its hash names.</summary>
    public bool Contains(ShippedFile file) => _verified.TryGetValue(file.Sha256, out var known) && known || Verify(file);

    public IncomingFile Receive(ShippedFile file) => new(this, file);

    private bool Verify(ShippedFile file)
    {
        var path = PathOf(file);
        try
        {
            using var stream = File.OpenRead(path);
            if (stream.Length != (long)file.Size || !SHA256.HashData(stream).AsSpan().SequenceEqual(file.Sha256.Span))
            {
                return false;
            }
        }
        catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException or IOException or UnauthorizedAccessException)
        {
            return false;
        }

        return _verified[file.Sha256] = true;
    }

    /// <summary>A file arriving in chunks: written beside the cache, checked against its hash, then renamed into it.</summary>
    internal sealed class IncomingFile : IDisposable
    {
        private readonly FileCache _cache;
        private readonly ShippedFile _file;
        private readonly string _temporaryPath;
        private readonly FileStream _stream;
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public IncomingFile(FileCache cache, ShippedFile file)
        {
            _cache = cache;
            _file = file;
            _temporaryPath = $"{cache.PathOf(file)}.{Environment.ProcessId}.{Guid.NewGuid():N}.partial";
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            _stream = new FileStream(_temporaryPath, options);
        }

        public void Append(ReadOnlySpan<byte> data)
        {
            if (_stream.Length + data.Length > (long)_file.Size)
            {
                throw new InvalidDataException($"The coordinator sent more of {_file.Name} than its {_file.Size} bytes.");
            }

            _stream.Write(data);
            _hash.AppendData(data);
        }

        /// <exception cref="InvalidDataException">What arrived is not the file its hash names.</exception>
        public void Complete()
        {
            _stream.Dispose();
            if (!_hash.GetHashAndReset().AsSpan().SequenceEqual(_file.Sha256.Span))
            {
                throw new InvalidDataException($"{_file.Name} arrived damaged: its content does not match its SHA-256.");
            }

            // Another worker on the node may have just put the same file there: same name, same bytes.
            File.Move(_temporaryPath, _cache.PathOf(_file), overwrite: true);
            _cache._verified[_file.Sha256] = true;
        }

        public void Dispose()
        {
            _stream.Dispose();
            _hash.Dispose();
            File.Delete(_temporaryPath);
        }
    }
}
