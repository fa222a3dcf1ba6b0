using JobQueue.Tests.JobScripts;

namespace JobQueue.Tests.BatchSystems;

/// <summary>Bad scale targets and SSH settings fail at once, naming what to fix; no command runs.</summary>
public sealed class ScaleOptionTests
{
    [Fact]
    public void Scale_takes_exactly_one_target()
    {
        var cluster = TestClusters.Slurm(new SlurmOptions { Cores = 4, Memory = "8GB" });

        Assert.StartsWith("Give exactly one of workers, jobs, cores or memory", Assert.Throws<ArgumentException>(() => cluster.Scale()).Message);
        Assert.StartsWith("Give exactly one of workers, jobs, cores or memory", Assert.Throws<ArgumentException>(() => cluster.Scale(2, jobs: 1)).Message);
        Assert.Equal("workers", Assert.Throws<ArgumentOutOfRangeException>(() => cluster.Scale(-1)).ParamName);
        Assert.Contains("memory", Assert.Throws<ArgumentException>(() => cluster.Scale(memory: "lots")).Message);
        Assert.Empty(cluster.Jobs);
    }

    [Fact]
    public void Ssh_needs_a_host_and_a_worker_command_or_the_deployed_WorkerHost()
    {
        var noHost = Assert.Throws<ArgumentException>(() => TestClusters.Slurm(new SlurmOptions { Cores = 1, Memory = "1GB", Ssh = new SshOptions() }));
        Assert.StartsWith("SlurmOptions.Ssh.Host = \"\" must be a host name", noHost.Message);

        var noWorker = Assert.Throws<ArgumentException>(() => TestClusters.Slurm(new SlurmOptions { Cores = 1, Memory = "1GB", Ssh = new SshOptions { Host = "login1" } }));
        Assert.StartsWith("SlurmOptions.WorkerCommand is required with Ssh", noWorker.Message);

        var badPort = Assert.Throws<ArgumentException>(() => TestClusters.Sge(new SGEOptions { Cores = 1, Memory = "1GB", Ssh = new SshOptions { Host = "login1", Port = 0, DeployWorkerHost = true } }));
        Assert.StartsWith("SGEOptions.Ssh.Port = 0 must be a port", badPort.Message);

        var noKey = Assert.Throws<ArgumentException>(() => TestClusters.Pbs(new PBSOptions { Cores = 1, Memory = "1GB", Ssh = new SshOptions { Host = "login1", IdentityFile = "/nonexistent/key", DeployWorkerHost = true } }));
        Assert.StartsWith("PBSOptions.Ssh.IdentityFile = \"/nonexistent/key\" does not exist", noKey.Message);
    }

    [Fact]
    public async Task ExtraArgs_and_the_SSH_NET_callbacks_are_each_refused_with_the_other_client()
    {
        var extraArgs = Assert.Throws<ArgumentException>(() => TestClusters.Slurm(new SlurmOptions
        {
            Cores = 1, Memory = "1GB", Ssh = new SshOptions { Host = "login1", ExtraArgs = ["-J", "gateway"], DeployWorkerHost = true },
        }));
        Assert.Equal("ExtraArgs", extraArgs.ParamName);
        Assert.StartsWith("SlurmOptions.Ssh.ExtraArgs is for the system's ssh only: set SlurmOptions.Ssh.Client = SshClientKind.OpenSsh", extraArgs.Message);

        var prompt = Assert.Throws<ArgumentException>(() => TestClusters.Slurm(new SlurmOptions
        {
            Cores = 1, Memory = "1GB", Ssh = new SshOptions { Host = "login1", Client = SshClientKind.OpenSsh, KeyboardInteractive = _ => "", DeployWorkerHost = true },
        }));
        Assert.StartsWith("SlurmOptions.Ssh.IdentityPassphrase and SlurmOptions.Ssh.KeyboardInteractive are for SSH.NET", prompt.Message);

        await using var accepted = TestClusters.Slurm(new SlurmOptions
        {
            Cores = 1, Memory = "1GB", Ssh = new SshOptions { Host = "login1", Client = SshClientKind.OpenSsh, ExtraArgs = ["-J", "gateway"], DeployWorkerHost = true },
        });
        Assert.StartsWith("#!/usr/bin/env bash\n", accepted.JobScript());
    }

    [Fact]
    public void The_summary_line_of_a_cluster_that_never_started()
    {
        var cluster = TestClusters.Slurm(new SlurmOptions { Name = "chem", Cores = 4, Memory = "8GB" });

        Assert.Equal("SlurmCluster(chem, not started): 0 running, 0 pending jobs; 0 workers, 0 cores, 0 GB", cluster.ToString());
    }
}
