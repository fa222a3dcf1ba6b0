using JobQueue.Security;

namespace JobQueue.Shipping;

/// <summary>
/// A directory of this process alone: made new (mode 0700) under <c>$XDG_RUNTIME_DIR</c> when that is set and safe,
/// otherwise as a fresh <c>jobqueue-&lt;user&gt;-&lt;random&gt;</c> in the temporary directory, created exclusively
/// so that nothing another user prepared can be taken for it. Removed with everything in it on disposal.
/// </summary>
internal sealed class PrivateDirectory : IDisposable
{
    private PrivateDirectory(string path) => Path = path;

    public string Path { get; }

    public static PrivateDirectory Create()
    {
        var runtime = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        if (!OperatingSystem.IsWindows() && UnixFileStatus.IsSupported
            && runtime is { Length: > 0 } && System.IO.Path.IsPathFullyQualified(runtime) && SafeDirectory.WhyUnsafe(runtime, privateLevels: 1) is null)
        {
            // Nobody else can write in a safe runtime directory, so a new random name there cannot have been prepared.
            var path = System.IO.Path.Combine(runtime, $"jobqueue-{Guid.NewGuid():N}");
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            return new PrivateDirectory(path);
        }

        return CreateInTemp();
    }

    /// <summary>A fresh directory in the temporary directory (<c>TMPDIR</c>), not the runtime directory, which is often a small tmpfs: for large files.</summary>
    public static PrivateDirectory CreateInTemp() =>
        // mkdtemp(3): exclusive, mode 0700.
        new(Directory.CreateTempSubdirectory($"jobqueue-{Environment.UserName}-").FullName);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // A native library still mapped on some systems, or the directory already gone: nothing left to protect.
        }
    }
}
