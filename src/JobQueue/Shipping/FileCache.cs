using System.Collections.Concurrent;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using Google.Protobuf;
using JobQueue.Protocol;
using JobQueue.Security;
using Microsoft.Extensions.Logging;

namespace JobQueue.Shipping;

/// <summary>
/// Files from the coordinator, kept on the node under their SHA-256 so every worker there, and every later job,
/// fetches each one once. A file appears under its name only complete (written aside, then renamed). Nothing is
/// trusted for being in the directory: code and values are read into memory and their hash checked on those bytes
/// before use, so a file replaced after its check is refused, not run. The node's directory is used only when
/// nobody else can write in it (<see cref="SafeDirectory"/>); otherwise the worker keeps its files in a private one.
/// </summary>
internal sealed class FileCache : IDisposable
{
    private static readonly UnixFileMode PrivateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private readonly string _directory;
    private readonly ConcurrentDictionary<ByteString, bool> _verified = new();
    private readonly Lazy<PrivateDirectory> _private;
    private readonly ConcurrentDictionary<ByteString, string> _nativeCopies = new();

    private FileCache(string directory, Lazy<PrivateDirectory> privateDirectory)
    {
        _directory = directory;
        _private = privateDirectory;
    }

    /// <summary>
    /// The cache of a worker whose scratch directory is <paramref name="localDirectory"/> (the system's temporary
    /// directory when null): <c>jobqueue-&lt;user&gt;/files</c> there, shared by this user's workers on the node,
    /// unless another user could change it; then a private directory, removed on disposal, and one warning.
    /// </summary>
    /// <exception cref="IOException">Not even a private directory can be made.</exception>
    public static FileCache ForNode(string? localDirectory, ILogger logger)
    {
        var shared = Path.Combine(localDirectory ?? Path.GetTempPath(), $"jobqueue-{Environment.UserName}", "files");
        if (OperatingSystem.IsWindows())
        {
            // A profile's temporary directory is the user's own there.
            Directory.CreateDirectory(shared);
        }
        else if (WhyNotShared(shared) is { } refused)
        {
            var own = PrivateDirectory.Create();
            logger.LogWarning("Not using the node's file cache {Directory}: {Reason}. This worker keeps the files it fetches in {Private} instead, removed when it exits", shared, refused, own.Path);
            return new FileCache(own.Path, new Lazy<PrivateDirectory>(own));
        }

        return new FileCache(shared, new Lazy<PrivateDirectory>(PrivateDirectory.Create));
    }

    [UnsupportedOSPlatform("windows")]
    private static string? WhyNotShared(string directory)
    {
        if (!UnixFileStatus.IsSupported)
        {
            return "file owners cannot be checked on this system";
        }

        try
        {
            // Made first, then judged: a directory another user creates in between is judged as it is found.
            Directory.CreateDirectory(directory, PrivateMode);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return SafeDirectory.WhyUnsafe(directory, privateLevels: 2) ?? exception.Message;
        }

        return SafeDirectory.WhyUnsafe(directory, privateLevels: 2);
    }

    public string PathOf(ShippedFile file) => Path.Combine(_directory, Convert.ToHexStringLower(file.Sha256.Span));

    /// <summary>Whether the file is here with the content its hash names.</summary>
    public bool Contains(ShippedFile file) => _verified.TryGetValue(file.Sha256, out var known) && known || Verify(file);

    public IncomingFile Receive(ShippedFile file) => new(this, file);

    /// <summary>The file's content, read once and checked against its hash: bytes that can no longer change.</summary>
    /// <exception cref="InvalidDataException">The file in the cache is not (any more) the one its hash names.</exception>
    public byte[] ReadVerified(ShippedFile file)
    {
        var path = PathOf(file);
        var bytes = File.ReadAllBytes(path);
        return Matches(bytes, file) ? bytes
            : throw new InvalidDataException($"{file.Name} in the node's cache ({path}) no longer has the content its SHA-256 names: something other than this worker replaced it.");
    }

    /// <summary>
    /// A copy of a native library in this process's private directory, written from verified bytes: the runtime
    /// can only load a native library from a path, and there only this user can change it.
    /// </summary>
    public string PrivateCopyOf(ShippedFile file) => _nativeCopies.GetOrAdd(file.Sha256, _ =>
    {
        // Inside the private directory, which only this user can write, the default modes are safe.
        var directory = Directory.CreateDirectory(Path.Combine(_private.Value.Path, "native", Convert.ToHexStringLower(file.Sha256.Span))).FullName;
        var path = Path.Combine(directory, file.Name);
        using var copy = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        copy.Write(ReadVerified(file));
        return path;
    });

    /// <summary>Removes the private directory, where this worker had to make one.</summary>
    public void Dispose()
    {
        if (_private.IsValueCreated)
        {
            _private.Value.Dispose();
        }
    }

    private static bool Matches(ReadOnlySpan<byte> bytes, ShippedFile file) =>
        bytes.Length == (long)file.Size && SHA256.HashData(bytes).AsSpan().SequenceEqual(file.Sha256.Span);

    private bool Verify(ShippedFile file)
    {
        try
        {
            // Streamed: a large value need not be in memory to be found complete. Its use reads and checks it again.
            using var stream = File.OpenRead(PathOf(file));
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
