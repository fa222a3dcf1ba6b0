using System.Diagnostics;
using JobQueue.Serialization;
using JobQueue.Shipping;

namespace JobQueue.Tests.Shipping;

/// <summary>A large scattered value is encoded into a file of the client's own rather than into memory beside the value.</summary>
public sealed class SpilledValueTests
{
    [Fact]
    public async Task A_large_scattered_value_goes_to_a_file_that_another_local_user_cannot_read()
    {
        Assert.True(Environment.UserName == "root", "the attacker runs as nobody through runuser, which needs root");
        var value = new byte[3 << 20];
        Random.Shared.NextBytes(value);
        var file = SpilledValues.Add("test value", value);

        string path;
        using (var content = ShippedFiles.TryOpen(file.Sha256))
        {
            path = Assert.IsType<FileStream>(content).Name;
        }

        Assert.Equal(value, ValueCodec.Decode<byte[]>(File.ReadAllBytes(path), TypeAllowlist.Client));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(path)!));

        // The attack: another user of the login node reads the value where it was written, in the shared temporary directory.
        var start = new ProcessStartInfo("runuser", ["-u", "nobody", "--", "cat", path]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var attacker = Process.Start(start)!;
        var stolen = attacker.StandardOutput.ReadToEndAsync();
        var refusal = await attacker.StandardError.ReadToEndAsync();
        await attacker.WaitForExitAsync();
        Assert.NotEqual(0, attacker.ExitCode);
        Assert.Empty(await stolen);
        Assert.Contains("Permission denied", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void A_small_scattered_value_stays_in_memory()
    {
        var file = SpilledValues.Add("small value", new[] { 1, 2, 3 });
        using var content = ShippedFiles.TryOpen(file.Sha256);
        Assert.IsType<MemoryStream>(content);
    }
}
