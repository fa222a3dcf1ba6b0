using System.Diagnostics;
using System.Text.RegularExpressions;
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

        await using var cluster = Create(system, options => options with { Ssh = options.Ssh! with { IdentityFile = key } });

        var error = await Assert.ThrowsAsync<BatchCommandException>(() => cluster.ScaleAsync(1));

        Assert.StartsWith($"ssh to {LocalBatchSystems.Fact("SSH_USER")}@{LocalBatchSystems.Fact("SSH_HOST")}:{LocalBatchSystems.Fact("SSH_PORT")} failed: the login was refused", error.Message);
        Assert.Contains("Permission denied", error.StandardError);
        Assert.Equal(system == TestBatchSystem.SlurmOverOpenSsh ? 255 : null, error.ExitCode);
        Assert.Empty(cluster.Jobs);
        directory.Delete(recursive: true);
    }

    [Theory, OnSlurmOverSsh]
    public async Task An_unknown_host_key_is_refused_with_a_message_saying_how_to_accept_it(TestBatchSystem system)
    {
        var knownHosts = Path.GetTempFileName();
        var ssh = Ssh(system == TestBatchSystem.SlurmOverOpenSsh ? SshClientKind.OpenSsh : SshClientKind.SshNet) with { KnownHostsFile = knownHosts };
        await using (var cluster = Create(system, options => options with { Ssh = ssh }))
        {
            var error = await Assert.ThrowsAsync<BatchCommandException>(() => cluster.ScaleAsync(1));

            Assert.Equal(0, new FileInfo(knownHosts).Length);
            if (system == TestBatchSystem.SlurmOverOpenSsh)
            {
                Assert.Contains("failed: the host key of 127.0.0.1 is unknown or has changed", error.Message);
                Assert.Contains("Host key verification failed", error.StandardError);
            }
            else
            {
                var port = LocalBatchSystems.Fact("SSH_PORT");
                Assert.Matches($@"failed: the host key of \[127\.0\.0\.1\]:{port} \(\S+ SHA256:\S+\) is unknown: it is not in {Regex.Escape(knownHosts)}, and it is never accepted silently\. ", error.Message);
                Assert.Empty(cluster.Jobs);

                // Following the message's advice makes the key known.
                var advice = Regex.Match(error.Message, @"accept it with: ssh-keyscan (.+) >> ").Groups[1].Value;
                File.WriteAllText(knownHosts, await RunAsync("ssh-keyscan", [], advice.Split(' ')));
            }
        }

        if (system == TestBatchSystem.SlurmOverSsh)
        {
            await using var accepted = Create(system, options => options with { Ssh = ssh });
            await accepted.ScaleAsync(1);
            Assert.Single(accepted.Jobs);
        }

        File.Delete(knownHosts);
    }

    [Theory, OnSlurmOverSsh]
    public async Task A_changed_host_key_is_refused_and_named_as_changed(TestBatchSystem system)
    {
        var knownHosts = Path.GetTempFileName();
        var port = LocalBatchSystems.Fact("SSH_PORT");
        // Another machine's keys under this host's name: what a man in the middle would present.
        var other = Directory.CreateTempSubdirectory("jobqueue-hostkey-");
        var lines = new List<string>();
        foreach (var type in new[] { "ed25519", "ecdsa", "rsa" })
        {
            var key = Path.Combine(other.FullName, type);
            await RunAsync("ssh-keygen", [], "-q", "-t", type, "-N", "", "-f", key);
            lines.Add($"[127.0.0.1]:{port} {File.ReadAllText(key + ".pub").Trim()}");
        }

        File.WriteAllLines(knownHosts, lines);
        var ssh = Ssh(system == TestBatchSystem.SlurmOverOpenSsh ? SshClientKind.OpenSsh : SshClientKind.SshNet) with { KnownHostsFile = knownHosts };
        await using var cluster = Create(system, options => options with { Ssh = ssh });

        var error = await Assert.ThrowsAsync<BatchCommandException>(() => cluster.ScaleAsync(1));

        Assert.Contains(system == TestBatchSystem.SlurmOverOpenSsh ? "is unknown or has changed" : $"the host key of [127.0.0.1]:{port} has CHANGED", error.Message);
        Assert.Empty(cluster.Jobs);
        Assert.Equal(lines, File.ReadAllLines(knownHosts));
        other.Delete(recursive: true);
        File.Delete(knownHosts);
    }

    [Theory, OnSlurmOverSshNet]
    public async Task A_keyboard_interactive_question_after_the_key_is_answered_through_the_prompt_callback(TestBatchSystem system)
    {
        // The sshd on SSH_KBD_PORT wants the key and then asks PAM's password question, as an MFA node asks for a code.
        var answer = File.ReadAllText(LocalBatchSystems.Fact("SSH_KBD_PASSWORD_FILE")).Trim();
        var asked = new System.Collections.Concurrent.ConcurrentQueue<SshPrompt>();
        SshOptions Asking(SshOptions ssh, string reply) => ssh with
        {
            Port = int.Parse(LocalBatchSystems.Fact("SSH_KBD_PORT")),
            KeyboardInteractive = prompt =>
            {
                asked.Enqueue(prompt);
                return reply;
            },
        };

        await using (var cluster = Create(system, options => options with { Ssh = Asking(options.Ssh!, answer) }))
        {
            await cluster.ScaleAsync(1);

            Assert.Single(cluster.Jobs);
        }

        // One question for the commands' login and one for SFTP's.
        Assert.Equal(2, asked.Count);
        Assert.All(asked, prompt =>
        {
            Assert.Contains("assword", prompt.Request);
            Assert.False(prompt.Echo);
            Assert.Equal($"{LocalBatchSystems.Fact("SSH_USER")}@{LocalBatchSystems.Fact("SSH_HOST")}:{LocalBatchSystems.Fact("SSH_KBD_PORT")}", prompt.Host);
        });

        await using var refused = Create(system, options => options with { Ssh = Asking(options.Ssh!, "not the answer") });
        var error = await Assert.ThrowsAsync<BatchCommandException>(() => refused.ScaleAsync(1));
        Assert.Contains("failed: the login was refused", error.Message);
        Assert.Empty(refused.Jobs);
    }

    [Theory, OnSlurmOverSshNet]
    public async Task An_encrypted_key_asks_for_its_passphrase_once_and_without_the_callback_says_how_to_give_it(TestBatchSystem system)
    {
        // The test user's authorized key, encrypted with a passphrase by ssh-keygen.
        var directory = Directory.CreateTempSubdirectory("jobqueue-key-");
        var key = Path.Combine(directory.FullName, "id_ed25519");
        File.Copy(LocalBatchSystems.Fact("SSH_IDENTITY_FILE"), key);
        await RunAsync("ssh-keygen", [], "-q", "-p", "-P", "", "-N", "correct horse", "-f", key);
        var asked = new System.Collections.Concurrent.ConcurrentQueue<string>();

        await using (var cluster = Create(system, options => options with
        {
            Ssh = options.Ssh! with
            {
                IdentityFile = key,
                IdentityPassphrase = path =>
                {
                    asked.Enqueue(path);
                    return "correct horse";
                },
            },
        }))
        {
            await cluster.ScaleAsync(1);

            Assert.Single(cluster.Jobs);
        }

        Assert.Equal([key], asked);

        await using var without = Create(system, options => options with { Ssh = options.Ssh! with { IdentityFile = key } });
        var error = await Assert.ThrowsAsync<BatchCommandException>(() => without.ScaleAsync(1));
        Assert.Contains($"failed: the key {key} is encrypted; set SshOptions.IdentityPassphrase to give its passphrase.", error.Message);
        directory.Delete(recursive: true);
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
    public async Task One_login_serves_every_command_files_travel_on_standard_input_or_SFTP_and_the_WorkerHost_is_deployed_once(TestBatchSystem system)
    {
        var openSsh = system == TestBatchSystem.SlurmOverOpenSsh;
        var logs = Directory.CreateTempSubdirectory("jobqueue-ssh-log-");
        var remoteDeployments = $"/home/{LocalBatchSystems.Fact("SSH_USER")}/.jobqueue/workerhost";
        if (Directory.Exists(remoteDeployments))
        {
            Directory.Delete(remoteDeployments, recursive: true);
        }

        // What each client did: OpenSSH's own debug log names each login and remote command; SSH.NET's runner logs
        // each login, command and copy. (The sshd's log cannot tell: other test runs may log in to it meanwhile.)
        async Task<(int Logins, IReadOnlyList<string> Commands, bool Deployed, string Log, string Secret)> RunClusterAsync(string name)
        {
            var log = Path.Combine(logs.FullName, name);
            var collected = new CollectingLoggerFactory();
            await using var cluster = Create(system, options => options with
            {
                Ssh = openSsh ? options.Ssh! with { ExtraArgs = ["-v", "-E", log] } : options.Ssh,
                LoggerFactory = collected,
            });
            await cluster.ScaleAsync(1);
            await cluster.WaitForWorkersAsync(1, Deadline);
            Assert.Equal(11, await cluster.Submit(() => 10 + 1));
            await cluster.GetJobLogAsync(cluster.Jobs[0].Id);
            var secret = File.ReadAllLines(cluster.Definition.SecretFile)[0];
            await cluster.ScaleAsync(0);
            await AssertBatchSystemListsNoneAsync(system, cluster.Jobs.Select(job => job.Id).ToArray());
            if (openSsh)
            {
                var text = File.ReadAllText(log);
                return (Lines(text, "Authenticated to ").Count, Lines(text, "Sending command: "), Lines(text, "Sending command: ").Any(command => command.Contains("tar -xf")), text, secret);
            }

            var messages = collected.Messages;
            var logins = messages.Count(message => message.StartsWith("SSH.NET logged in to ", StringComparison.Ordinal));
            var commands = messages.Where(message => message.StartsWith("SSH command on ", StringComparison.Ordinal)).ToList();
            return (logins, commands, messages.Any(message => message.StartsWith("Copying the WorkerHost to ", StringComparison.Ordinal)), string.Join('\n', messages), secret);
        }

        var first = await RunClusterAsync("first");
        var second = await RunClusterAsync("second");

        foreach (var run in new[] { first, second })
        {
            // OpenSSH: one master connection. SSH.NET: one connection for commands and one for SFTP, each logged in once.
            Assert.Equal(openSsh ? 1 : 2, run.Logins);
            Assert.Contains(run.Commands, command => command.Contains("sbatch"));
            Assert.Contains(run.Commands, command => command.Contains("squeue"));
            Assert.All(run.Commands, command => Assert.DoesNotContain("--scheduler", command));
            Assert.All(run.Commands, command => Assert.DoesNotContain(run.Secret, command));
        }

        Assert.DoesNotContain(first.Secret, first.Log);
        Assert.True(first.Deployed);
        Assert.False(second.Deployed);
        logs.Delete(recursive: true);
    }

    [Theory, OnSlurmOverSsh]
    public async Task A_symbolic_link_planted_beside_a_remote_file_is_not_written_through(TestBatchSystem system)
    {
        var user = LocalBatchSystems.Fact("SSH_USER");
        var directory = Directory.CreateDirectory($"/home/{user}/jobqueue-symlink-{Guid.NewGuid():N}").FullName;
        var path = $"{directory}/cluster.secret";
        var victim = Path.Combine(directory, "victim");
        File.WriteAllText(victim, "original");
        File.CreateSymbolicLink($"{path}.tmp", victim);
        var chown = Process.Start("chown", ["-hR", $"{user}:", directory])!;
        await chown.WaitForExitAsync();
        await using JobQueue.Submission.ICommandRunner remote = system == TestBatchSystem.SlurmOverOpenSsh
            ? new JobQueue.Submission.SshCommandRunner(Ssh(SshClientKind.OpenSsh), null, TimeSpan.FromSeconds(60))
            : new JobQueue.Submission.SshNet.SshNetCommandRunner(Ssh(), null, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);

        await remote.WriteFileAsync(path, "the secret", CancellationToken.None);

        Assert.Equal("original", File.ReadAllText(victim));
        Assert.Equal("the secret", File.ReadAllText(path));
        Assert.Equal($"600 {user}", (await RunAsync("stat", [], "-c", "%a %U", path)).Trim());
        Directory.Delete(directory, recursive: true);
    }

    private static IReadOnlyList<string> Lines(string log, string marker) =>
        log.Split('\n').Where(line => line.Contains(marker, StringComparison.Ordinal)).ToList();
}
