using System.Diagnostics;
using static JobQueue.Tests.BatchSystems.TestClusterFactory;

namespace JobQueue.Tests.BatchSystems;

/// <summary>Submission through the loopback sshd: what goes wrong must say what to fix.</summary>
[Collection(BatchSystemCollection.Name)]
public sealed class SshTests
{
    [Theory, OnSlurmOverSsh]
    public async Task A_key_the_host_does_not_accept_is_a_clear_login_error(TestBatchSystem system)
    {
        var directory = Directory.CreateTempSubdirectory("jobqueue-key-");
        var key = Path.Combine(directory.FullName, "id_ed25519");
        using (var keygen = Process.Start("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key])!)
        {
            await keygen.WaitForExitAsync();
        }

        await using var cluster = Create(system, options => options with { Ssh = Ssh() with { IdentityFile = key } });

        var error = await Assert.ThrowsAsync<BatchCommandException>(() => cluster.ScaleAsync(1));

        Assert.StartsWith($"ssh to {LocalBatchSystems.Fact("SSH_USER")}@{LocalBatchSystems.Fact("SSH_HOST")}:{LocalBatchSystems.Fact("SSH_PORT")} failed: the login was refused", error.Message);
        Assert.Contains("Permission denied", error.StandardError);
        Assert.Equal(255, error.ExitCode);
        Assert.Empty(cluster.Jobs);
        directory.Delete(recursive: true);
    }

    [Theory, OnSlurmOverSsh]
    public async Task An_unknown_host_key_is_refused_with_strict_checking_and_says_so(TestBatchSystem system)
    {
        var knownHosts = Path.GetTempFileName();
        await using var cluster = Create(system, options => options with
        {
            Ssh = Ssh() with { ExtraArgs = ["-o", $"UserKnownHostsFile={knownHosts}", "-o", "StrictHostKeyChecking=yes"] },
        });

        var error = await Assert.ThrowsAsync<BatchCommandException>(() => cluster.ScaleAsync(1));

        Assert.Contains("failed: the host key of 127.0.0.1 is unknown or has changed", error.Message);
        Assert.Contains("Host key verification failed", error.StandardError);
        Assert.Equal(0, new FileInfo(knownHosts).Length);
        File.Delete(knownHosts);
    }

    [Theory, OnSlurmOverSsh]
    public async Task The_secret_file_is_written_private_on_the_remote_side_and_removed_with_the_cluster(TestBatchSystem system)
    {
        await using var cluster = Create(system);
        await cluster.ScaleAsync(1);
        var secret = cluster.Definition.SecretFile;
        var ids = cluster.Jobs.Select(job => job.Id).ToArray();

        Assert.StartsWith("/home/", secret);
        Assert.Equal($"600 {LocalBatchSystems.Fact("SSH_USER")}", (await RunAsync("stat", [], "-c", "%a %U", secret)).Trim());
        var lines = File.ReadAllLines(secret);
        Assert.Equal([64, 64], lines.Select(line => line.Length)); // the secret, then the certificate hash workers pin
        Assert.DoesNotContain(lines[0], cluster.JobScript());

        await cluster.DisposeAsync();

        Assert.False(File.Exists(secret));
        await AssertBatchSystemListsNoneAsync(system, ids);
    }

    [Theory, OnSlurmOverSsh]
    public async Task One_login_serves_every_command_files_travel_on_standard_input_and_the_WorkerHost_is_deployed_once(TestBatchSystem system)
    {
        // The ssh client's own debug log names each remote command it sends, and each login.
        var logs = Directory.CreateTempSubdirectory("jobqueue-ssh-log-");
        var remoteDeployments = $"/home/{LocalBatchSystems.Fact("SSH_USER")}/.jobqueue/workerhost";
        if (Directory.Exists(remoteDeployments))
        {
            Directory.Delete(remoteDeployments, recursive: true);
        }

        async Task<(string Log, string Secret)> RunClusterAsync(string name)
        {
            var log = Path.Combine(logs.FullName, name);
            await using var cluster = Create(system, options => options with { Ssh = options.Ssh! with { ExtraArgs = [.. options.Ssh.ExtraArgs!, "-v", "-E", log] } });
            await cluster.ScaleAsync(1);
            await cluster.WaitForWorkersAsync(1, Deadline);
            Assert.Equal(11, await cluster.Submit(() => 10 + 1));
            await cluster.GetJobLogAsync(cluster.Jobs[0].Id);
            var secret = File.ReadAllLines(cluster.Definition.SecretFile)[0];
            await cluster.ScaleAsync(0);
            await AssertBatchSystemListsNoneAsync(system, cluster.Jobs.Select(job => job.Id).ToArray());
            return (File.ReadAllText(log), secret);
        }

        var (first, firstSecret) = await RunClusterAsync("first");
        var (second, _) = await RunClusterAsync("second");

        foreach (var log in new[] { first, second })
        {
            Assert.Single(Lines(log, "Authenticated to "));
            var commands = Lines(log, "Sending command: ");
            Assert.Contains(commands, command => command.Contains("sbatch"));
            Assert.Contains(commands, command => command.Contains("squeue"));
            Assert.Contains(commands, command => command.Contains("tail -c"));
            Assert.All(commands, command => Assert.DoesNotContain("--scheduler", command));
        }

        Assert.DoesNotContain(firstSecret, first);
        Assert.Single(Lines(first, "Sending command: "), command => command.Contains("tar -xf"));
        Assert.DoesNotContain(Lines(second, "Sending command: "), command => command.Contains("tar -xf"));
        logs.Delete(recursive: true);

        static IReadOnlyList<string> Lines(string log, string marker) =>
            log.Split('\n').Where(line => line.Contains(marker, StringComparison.Ordinal)).ToList();
    }

    [Theory, OnSlurmOverSsh]
    public async Task A_symbolic_link_planted_beside_a_remote_file_is_not_written_through(TestBatchSystem system)
    {
        Assert.Equal(TestBatchSystem.SlurmOverSsh, system);
        var user = LocalBatchSystems.Fact("SSH_USER");
        var directory = Directory.CreateDirectory($"/home/{user}/jobqueue-symlink-{Guid.NewGuid():N}").FullName;
        var path = $"{directory}/cluster.secret";
        var victim = Path.Combine(directory, "victim");
        File.WriteAllText(victim, "original");
        File.CreateSymbolicLink($"{path}.tmp", victim);
        var chown = Process.Start("chown", ["-hR", $"{user}:", directory])!;
        await chown.WaitForExitAsync();
        await using var remote = new JobQueue.Submission.SshCommandRunner(Ssh(), null);

        await remote.WriteFileAsync(path, "the secret", CancellationToken.None);

        Assert.Equal("original", File.ReadAllText(victim));
        Assert.Equal("the secret", File.ReadAllText(path));
        Assert.Equal($"600 {user}", (await RunAsync("stat", [], "-c", "%a %U", path)).Trim());
        Directory.Delete(directory, recursive: true);
    }
}
