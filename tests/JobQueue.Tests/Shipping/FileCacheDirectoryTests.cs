using System.Diagnostics;
using JobQueue.Shipping;
using JobQueue.Tests.BatchSystems;

namespace JobQueue.Tests.Shipping;

/// <summary>Which directory a worker keeps fetched files in: the node's shared one only when nobody else can change it.</summary>
public sealed class FileCacheDirectoryTests : IDisposable
{
    private readonly string _local = Directory.CreateTempSubdirectory("jobqueue-cachedir-").FullName;
    private readonly CollectingLoggerFactory _log = new();

    private string Shared => Path.Combine(_local, $"jobqueue-{Environment.UserName}", "files");

    [Fact]
    public void A_safe_local_directory_is_shared_by_the_users_workers_without_a_warning()
    {
        using var first = FileCache.ForNode(_local, _log);
        using var second = FileCache.ForNode(_local, _log);
        var file = ShippedFiles.AddContent("shared", [1, 2, 3]);

        Assert.Equal(Path.Combine(Shared, Convert.ToHexStringLower(file.Sha256.Span)), first.PathOf(file));
        Assert.Equal(first.PathOf(file), second.PathOf(file));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Shared));
        Assert.Empty(_log.Warnings);
    }

    [Fact]
    public async Task A_cache_directory_of_another_user_is_refused_with_one_warning_and_a_private_one_is_removed_on_exit()
    {
        Directory.CreateDirectory(Shared);
        await RunAsync("chown", "-R", "nobody", Path.GetDirectoryName(Shared)!);

        var file = ShippedFiles.AddContent("refused", [4, 5, 6]);
        string privatePath;
        using (var cache = FileCache.ForNode(_local, _log))
        {
            privatePath = Path.GetDirectoryName(cache.PathOf(file))!;
            Assert.False(privatePath.StartsWith(_local, StringComparison.Ordinal), privatePath);
            Assert.True(Directory.Exists(privatePath));
        }

        var warning = Assert.Single(_log.Warnings);
        Assert.Contains(Path.GetDirectoryName(Shared)!, warning);
        Assert.Contains("belongs to user id 65534", warning);
        Assert.False(Directory.Exists(privatePath), "the private directory outlived its worker");
    }

    [Fact]
    public void A_cache_directory_others_may_write_is_refused()
    {
        Directory.CreateDirectory(Shared);
        File.SetUnixFileMode(Shared, (UnixFileMode)Convert.ToInt32("777", 8));

        using var cache = FileCache.ForNode(_local, _log);

        Assert.Contains($"{Shared} may be written by its group or others (mode 0777)", Assert.Single(_log.Warnings));
    }

    [Fact]
    public void A_parent_others_may_write_is_refused_unless_it_is_sticky()
    {
        File.SetUnixFileMode(_local, (UnixFileMode)Convert.ToInt32("777", 8));
        using (FileCache.ForNode(_local, _log))
        {
            Assert.Contains($"{_local} may be written by its group or others and is not sticky (mode 0777)", Assert.Single(_log.Warnings));
        }

        File.SetUnixFileMode(_local, (UnixFileMode)Convert.ToInt32("1777", 8));
        using (FileCache.ForNode(_local, _log))
        {
            Assert.Single(_log.Warnings);
        }
    }

    [Fact]
    public void Bytes_that_changed_since_their_check_are_refused_not_loaded()
    {
        using var cache = FileCache.ForNode(_local, _log);
        var file = ShippedFiles.AddContent("replaced", [7, 8, 9]);
        File.WriteAllBytes(cache.PathOf(file), [7, 8, 9]);
        Assert.True(cache.Contains(file));

        File.WriteAllBytes(cache.PathOf(file), [6, 6, 6]);

        var error = Assert.Throws<InvalidDataException>(() => cache.ReadVerified(file));
        Assert.Contains($"replaced in the node's cache ({cache.PathOf(file)}) no longer has the content its SHA-256 names", error.Message);
    }

    public void Dispose()
    {
        Directory.Delete(_local, recursive: true);
        _log.Dispose();
    }

    private static async Task RunAsync(string program, params string[] arguments)
    {
        using var process = Process.Start(program, arguments);
        await process.WaitForExitAsync();
        Assert.Equal(0, process.ExitCode);
    }
}
