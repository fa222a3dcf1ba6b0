using System.Diagnostics;
using System.Reflection;
using JobQueue.Tests.Coordination;
using JobQueue.Tests.JobScripts;
using Xunit.Sdk;
using static JobQueue.Tests.BatchSystems.TestClusterFactory;

namespace JobQueue.Tests.BatchSystems;

/// <summary>
/// SshCluster through the loopback sshd, with each SSH client: the workers run as the sshd's test user, so that the
/// processes a test counts are the ones the cluster started over SSH.
/// </summary>
[Collection(BatchSystemCollection.Name)]
public sealed class SshClusterTests
{
    [Theory, OnLoopbackSsh]
    public async Task Two_loopback_hosts_run_a_Map_on_four_workers_scale_down_and_leave_no_process_after_dispose(SshClientKind client)
    {
        var name = UniqueName();
        var cluster = new SshCluster(Options(client, name, ["127.0.0.1", "127.0.0.1"]));
        try
        {
            await cluster.WaitForWorkersAsync(4, Deadline);

            Assert.StartsWith("tcp://127.0.0.1:", cluster.Address);
            Assert.StartsWith($"SshCluster({name}, {cluster.Address} from ListenAddress): 4 of 4 workers on 2 hosts, 4 threads, ", cluster.ToString());
            Assert.Equal(4, await CountWorkerProcessesAsync(name));
            var ran = await cluster.Gather(cluster.Map(WhereItRan, Enumerable.Range(0, 40), new MapOptions { BatchSize = 1 }));
            Assert.Equal(Enumerable.Range(0, 40).Select(x => x * x), ran.Select(result => int.Parse(result.Split(' ')[2])));
            Assert.All(ran, result => Assert.StartsWith($"{LocalBatchSystems.Fact("SSH_USER")} ", result));
            Assert.Equal(cluster.Workers.Select(worker => worker.ProcessId).Order(), ran.Select(result => int.Parse(result.Split(' ')[1])).Distinct().Order());

            cluster.Scale(2);
            await Eventually.HoldsAsync(async () => cluster.Workers.Count == 2 && await CountWorkerProcessesAsync(name) == 2, Deadline, "two workers left after Scale(2)");
            Assert.Equal([$"{name}-0", $"{name}-1"], cluster.Workers.Select(worker => worker.Name).Order());
        }
        finally
        {
            await cluster.DisposeAsync();
        }

        await Eventually.HoldsAsync(async () => await CountWorkerProcessesAsync(name) == 0, Deadline, $"no worker process of {name} runs after dispose");
    }

    [Theory, OnLoopbackSsh]
    public async Task A_killed_worker_is_started_again_and_runs_tasks(SshClientKind client)
    {
        var name = UniqueName();
        await using var cluster = new SshCluster(Options(client, name, ["127.0.0.1"]));
        await cluster.WaitForWorkersAsync(2, Deadline);
        var killed = cluster.Workers.Single(worker => worker.Name == $"{name}-0").ProcessId;

        using (var process = Process.GetProcessById(killed))
        {
            process.Kill();
        }

        await Eventually.HoldsAsync(
            () => cluster.Workers.Any(worker => worker.Name == $"{name}-0" && worker.ProcessId != killed) && cluster.Workers.Count == 2,
            Deadline, $"{name}-0 is back with another process");
        var ran = await cluster.Gather(cluster.Map(WhereItRan, Enumerable.Range(0, 20), new MapOptions { BatchSize = 1 }));
        Assert.Equal(Enumerable.Range(0, 20).Select(x => x * x), ran.Select(result => int.Parse(result.Split(' ')[2])));
        Assert.Equal(2, await CountWorkerProcessesAsync(name));
    }

    [Theory, OnLoopbackSsh]
    public async Task Workers_that_never_connected_are_stopped_at_dispose_rather_than_left_to_their_death_timeout(SshClientKind client)
    {
        var name = UniqueName();

        // Workers that dial a closed port never connect, so no shutdown message reaches them; their death timeout is
        // longer than the test's deadline: only the cluster's own stopping can end them in time.
        var cluster = new SshCluster(Options(client, name, ["127.0.0.1"]) with { ContactAddress = "127.0.0.1:1", DeathTimeout = TimeSpan.FromMinutes(10) });
        await cluster.StartAsync();
        await Eventually.HoldsAsync(async () => await CountWorkerProcessesAsync(name) == 2, Deadline, "both worker processes started");

        await cluster.DisposeAsync();

        await Eventually.HoldsAsync(async () => await CountWorkerProcessesAsync(name) == 0, Deadline, $"no worker process of {name} runs after dispose");
    }

    [Theory, OnLoopbackSsh]
    public async Task A_host_that_refuses_the_login_makes_waiting_for_workers_fail_with_why(SshClientKind client)
    {
        // The sshd's host key is in no known-hosts file here: the login is refused, never accepted silently.
        var knownHosts = Path.GetTempFileName();
        var options = Options(client, UniqueName(), ["127.0.0.1"]);
        await using var cluster = new SshCluster(options with { Ssh = options.Ssh! with { KnownHostsFile = knownHosts } });

        var error = await Assert.ThrowsAsync<BatchCommandException>(() => cluster.WaitForWorkersAsync(1, Deadline));

        Assert.Contains($"ssh to {LocalBatchSystems.Fact("SSH_USER")}@127.0.0.1:{LocalBatchSystems.Fact("SSH_PORT")} failed: the host key of ", error.Message);
        Assert.Empty(cluster.Workers);
        Assert.Equal(0, new FileInfo(knownHosts).Length);
        File.Delete(knownHosts);
    }

    // One client is enough: once the program is gone, what happens is the workers' own doing.
    [BatchSystemFact("ssh")]
    public async Task When_the_client_dies_its_workers_exit_by_their_death_timeout()
    {
        var name = UniqueName();
        using var program = ClientProcess.Start(
            "ssh", name, LocalBatchSystems.Fact("SSH_PORT"), LocalBatchSystems.Fact("SSH_USER"), LocalBatchSystems.Fact("SSH_IDENTITY_FILE"), LocalBatchSystems.Fact("SSH_KNOWN_HOSTS"));
        try
        {
            Assert.Equal("ready", await program.StandardOutput.ReadLineAsync().WaitAsync(Deadline));
            Assert.Equal(2, await CountWorkerProcessesAsync(name));
        }
        finally
        {
            program.Kill();
        }

        // No dispose ran: the workers lose their coordinator and exit 5 s later.
        await Eventually.HoldsAsync(async () => await CountWorkerProcessesAsync(name) == 0, Deadline, $"the workers of {name} exited after their client died");
    }

    [Fact]
    public async Task Options_are_checked_at_construction_with_messages_that_name_them()
    {
        SshClusterOptions valid = new() { Hosts = ["node1", "node2"], WorkersPerHost = 2, MemoryLimit = "8GB", DashboardAddress = null };

        Assert.Equal("SshClusterOptions.Hosts is required: the hosts that run workers, e.g. Hosts = [\"node1\", \"node2\"]. (Parameter 'Hosts')",
            Assert.Throws<ArgumentException>(() => new SshCluster(valid with { Hosts = [] })).Message);
        Assert.StartsWith("SshClusterOptions.Hosts[1] = \"alice@node2\" must be a host name or address",
            Assert.Throws<ArgumentException>(() => new SshCluster(valid with { Hosts = ["node1", "alice@node2"] })).Message);
        Assert.StartsWith("SshClusterOptions.Ssh.Host = \"login1\" must stay unset: the hosts come from SshClusterOptions.Hosts",
            Assert.Throws<ArgumentException>(() => new SshCluster(valid with { Ssh = new SshOptions { Host = "login1" } })).Message);
        Assert.StartsWith("SshClusterOptions.Ssh.Port = 0 must be a port",
            Assert.Throws<ArgumentException>(() => new SshCluster(valid with { Ssh = new SshOptions { Port = 0 } })).Message);
        Assert.StartsWith("SshClusterOptions.MemoryLimit is required",
            Assert.Throws<ArgumentException>(() => new SshCluster(valid with { MemoryLimit = null })).Message);
        Assert.StartsWith("SshClusterOptions.WorkersPerHost = 0 must be",
            Assert.Throws<ArgumentException>(() => new SshCluster(valid with { WorkersPerHost = 0 })).Message);

        await using var cluster = new SshCluster(valid);
        Assert.Equal(4, cluster.Capacity);
        var beyond = Assert.Throws<ArgumentOutOfRangeException>(() => cluster.Scale(5));
        Assert.StartsWith("Scale(5) is outside what the hosts hold: 0 to 4 workers (2 hosts × WorkersPerHost 2); add hosts to SshClusterOptions.Hosts or raise SshClusterOptions.WorkersPerHost.", beyond.Message);
        cluster.Scale(3);
        Assert.Equal(3, cluster.TargetWorkers);
        Assert.StartsWith("SshCluster(jobqueue-worker, not started): 0 of 3 workers on 2 hosts", cluster.ToString());
    }

    private static SshClusterOptions Options(SshClientKind client, string name, IReadOnlyList<string> hosts) => new()
    {
        Name = name,
        Hosts = hosts,
        WorkersPerHost = 2,
        ThreadsPerWorker = 1,
        MemoryLimit = "1GiB",
        Ssh = Ssh(client) with { Host = null, DeployWorkerHost = false },
        DashboardAddress = null,
    };

    private static string UniqueName() => $"s{Guid.NewGuid().ToString("N")[..10]}";

    // The user it ran as, its process and the result; 50 ms of work, so that every worker gets some.
    private static string WhereItRan(int x)
    {
        Thread.Sleep(50);
        return $"{Environment.UserName} {Environment.ProcessId} {x * x}";
    }

    /// <summary>The WorkerHost processes of the cluster <paramref name="name"/> that run as the sshd's test user.</summary>
    private static async Task<int> CountWorkerProcessesAsync(string name)
    {
        var listed = await RunAsync("pgrep", [1], "-u", LocalBatchSystems.Fact("SSH_USER"), "-f", "--", $"--name {name}-[0-9]+ ");
        return listed.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
    }
}

/// <summary>Two rows, SSH.NET and OpenSSH, against the loopback sshd; skipped without it, except under CI=true.</summary>
public sealed class OnLoopbackSshAttribute : DataAttribute
{
    public OnLoopbackSshAttribute()
    {
        if (!LocalBatchSystems.IsContinuousIntegration && LocalBatchSystems.MissingReason("ssh") is { } reason)
        {
            Skip = reason;
        }
    }

    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => [[SshClientKind.SshNet], [SshClientKind.OpenSsh]];
}
