using System.Diagnostics;
using JobQueue.Submission.SshNet;

namespace JobQueue.Tests.Submission;

/// <summary>
/// The known_hosts reader SSH.NET's host-key check uses, on files written and hashed by OpenSSH's own ssh-keygen, so
/// that the formats are the real ones.
/// </summary>
public sealed class KnownHostsTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("jobqueue-known-hosts-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task Plain_and_bracketed_port_entries_know_their_key_and_call_another_key_of_the_same_type_changed()
    {
        var (line, key) = await NewKeyAsync("ed25519");
        var (_, other) = await NewKeyAsync("ed25519");
        var (_, rsa) = await NewKeyAsync("rsa");
        var hosts = Write($"login1.example.org {line}", $"[127.0.0.1]:2222 {line}");

        Assert.Equal(HostKeyStatus.Known, hosts.Check("login1.example.org", 22, key).Status);
        Assert.Equal(HostKeyStatus.Known, hosts.Check("127.0.0.1", 2222, key).Status);
        Assert.Equal(new HostKeyVerdict(HostKeyStatus.Changed, 1), hosts.Check("login1.example.org", 22, other));
        Assert.Equal(HostKeyStatus.Unknown, hosts.Check("login1.example.org", 22, rsa).Status);
        Assert.Equal(HostKeyStatus.Unknown, hosts.Check("127.0.0.1", 22, key).Status);
        Assert.Equal(HostKeyStatus.Unknown, hosts.Check("login2.example.org", 22, key).Status);
    }

    [Fact]
    public async Task Names_hashed_by_ssh_keygen_match_only_their_host_and_port()
    {
        var (line, key) = await NewKeyAsync("ecdsa");
        var path = Path.Combine(_directory.FullName, "hashed");
        File.WriteAllLines(path, [$"login1.example.org {line}", $"[127.0.0.1]:2222 {line}"]);
        await RunAsync("ssh-keygen", "-q", "-H", "-f", path);
        Assert.All(File.ReadAllLines(path), hashed => Assert.StartsWith("|1|", hashed));

        var hosts = KnownHosts.Read(path);

        Assert.Equal(HostKeyStatus.Known, hosts.Check("login1.example.org", 22, key).Status);
        Assert.Equal(HostKeyStatus.Known, hosts.Check("127.0.0.1", 2222, key).Status);
        Assert.Equal(HostKeyStatus.Unknown, hosts.Check("127.0.0.1", 2223, key).Status);
    }

    [Fact]
    public async Task A_revoked_key_is_refused_whatever_else_lists_it_and_cert_authority_lines_vouch_for_nothing()
    {
        var (line, key) = await NewKeyAsync("ed25519");
        var (caLine, caKey) = await NewKeyAsync("ed25519");
        var hosts = Write("# comment", "", $"login1 {line}", $"@revoked * {line}", $"@cert-authority *.example.org {caLine}");

        Assert.Equal(new HostKeyVerdict(HostKeyStatus.Revoked, 4), hosts.Check("login1", 22, key));
        Assert.Equal(HostKeyStatus.Unknown, hosts.Check("node.example.org", 22, caKey).Status);
    }

    [Fact]
    public async Task Wildcards_and_negations_follow_OpenSSH()
    {
        var (line, key) = await NewKeyAsync("ed25519");
        var hosts = Write($"login?.example.org,*.cluster,!bad.cluster {line}");

        Assert.Equal(HostKeyStatus.Known, hosts.Check("login1.example.org", 22, key).Status);
        Assert.Equal(HostKeyStatus.Known, hosts.Check("LOGIN2.example.org", 22, key).Status);
        Assert.Equal(HostKeyStatus.Known, hosts.Check("a.cluster", 22, key).Status);
        Assert.Equal(HostKeyStatus.Unknown, hosts.Check("bad.cluster", 22, key).Status);
        Assert.Equal(HostKeyStatus.Unknown, hosts.Check("login10.example.org", 22, key).Status);
    }

    [Fact]
    public async Task A_missing_file_knows_no_host() =>
        Assert.Equal(HostKeyStatus.Unknown, KnownHosts.Read(Path.Combine(_directory.FullName, "missing")).Check("login1", 22, (await NewKeyAsync("ed25519")).Key).Status);

    private KnownHosts Write(params string[] lines)
    {
        var path = Path.Combine(_directory.FullName, $"known_hosts-{Guid.NewGuid():N}");
        File.WriteAllLines(path, lines);
        return KnownHosts.Read(path);
    }

    // A fresh key from ssh-keygen: its "type base64" public line and the wire form a server would present.
    private async Task<(string Line, byte[] Key)> NewKeyAsync(string type)
    {
        var path = Path.Combine(_directory.FullName, $"key-{Guid.NewGuid():N}");
        await RunAsync("ssh-keygen", "-q", "-t", type, "-N", "", "-f", path);
        var fields = File.ReadAllText(path + ".pub").Split(' ');
        return ($"{fields[0]} {fields[1]}", Convert.FromBase64String(fields[1]));
    }

    private static async Task RunAsync(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{program} failed: {await error}");
    }
}
