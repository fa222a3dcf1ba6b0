using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;
using JobQueue.Tests.Coordination;
using JobQueue.Tests.JobScripts;
using Xunit.Sdk;

namespace JobQueue.Tests.BatchSystems;

/// <summary>The real batch systems the end-to-end tests run against.</summary>
public enum TestBatchSystem
{
    Slurm,
    GridEngine,
    Pbs,

    /// <summary>Slurm through the loopback sshd with SSH.NET, the default client.</summary>
    SlurmOverSsh,

    /// <summary>Slurm through the loopback sshd with the system's OpenSSH client.</summary>
    SlurmOverOpenSsh,
}

/// <summary>
/// A theory row for one batch system. Where it is missing the row is skipped, except under CI=true, where it runs
/// and fails, as with <see cref="BatchSystemFactAttribute"/>.
/// </summary>
public abstract class OnBatchSystemAttribute : DataAttribute
{
    private readonly TestBatchSystem[] _systems;

    protected OnBatchSystemAttribute(params TestBatchSystem[] systems)
    {
        _systems = systems;
        if (!LocalBatchSystems.IsContinuousIntegration && TestClusterFactory.MissingReason(systems[0]) is { } reason)
        {
            Skip = reason;
        }
    }

    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => _systems.Select(system => new object[] { system });
}

public sealed class OnSlurmAttribute() : OnBatchSystemAttribute(TestBatchSystem.Slurm);

public sealed class OnGridEngineAttribute() : OnBatchSystemAttribute(TestBatchSystem.GridEngine);

public sealed class OnPbsAttribute() : OnBatchSystemAttribute(TestBatchSystem.Pbs);

/// <summary>Two rows: SSH.NET and the system's OpenSSH client, against the same loopback sshd.</summary>
public sealed class OnSlurmOverSshAttribute() : OnBatchSystemAttribute(TestBatchSystem.SlurmOverSsh, TestBatchSystem.SlurmOverOpenSsh);

/// <summary>SSH.NET only: for what the system's ssh cannot do in batch mode (answer questions).</summary>
public sealed class OnSlurmOverSshNetAttribute() : OnBatchSystemAttribute(TestBatchSystem.SlurmOverSsh);

/// <summary>Clusters on the local batch systems, each with its own job name, and the batch systems' own view of their jobs.</summary>
internal static partial class TestClusterFactory
{
    /// <summary>Bounds every wait for jobs and workers: a failure bound, not a measurement.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    public static string? MissingReason(TestBatchSystem system) => system switch
    {
        TestBatchSystem.Slurm => LocalBatchSystems.MissingReason("sbatch"),
        TestBatchSystem.GridEngine => LocalBatchSystems.MissingReason("qsub"),
        TestBatchSystem.Pbs => LocalBatchSystems.MissingReason("qsub", "PBS_COMMAND_DIR"),
        _ => LocalBatchSystems.MissingReason("ssh") ?? LocalBatchSystems.MissingReason("sbatch"),
    };

    /// <summary>
    /// A 1-core, 1 GiB, one-worker-per-job cluster whose name is unique to this call, with the coordinator on 127.0.0.1;
    /// <paramref name="customize"/> changes what a test needs.
    /// </summary>
    public static JobQueueCluster Create(TestBatchSystem system, Func<JobQueueOptions, JobQueueOptions>? customize = null)
    {
        JobQueueOptions options = system switch
        {
            TestBatchSystem.Slurm => new SlurmOptions { Queue = LocalBatchSystems.Fact("SLURM_PARTITION") },
            TestBatchSystem.GridEngine => new SGEOptions { Queue = LocalBatchSystems.Fact("SGE_QUEUE") },
            TestBatchSystem.Pbs => new PBSOptions { CommandDirectory = LocalBatchSystems.Fact("PBS_COMMAND_DIR") },
            TestBatchSystem.SlurmOverOpenSsh => new SlurmOptions { Queue = LocalBatchSystems.Fact("SLURM_PARTITION"), Ssh = Ssh(SshClientKind.OpenSsh) },
            _ => new SlurmOptions { Queue = LocalBatchSystems.Fact("SLURM_PARTITION"), Ssh = Ssh() },
        };
        options = options with
        {
            Name = $"t{Guid.NewGuid().ToString("N")[..10]}",
            Cores = 1,
            Processes = 1,
            Memory = "1GiB",
            ListenAddress = "127.0.0.1",
            StatusInterval = TimeSpan.FromSeconds(0.5),

            // Under the local Slurm's KillWait of 10 s, as a site sets it under its own.
            WorkerSignalGrace = TimeSpan.FromSeconds(5),
        };
        options = customize?.Invoke(options) ?? options;
        if (system == TestBatchSystem.GridEngine)
        {
            LocalBatchSystems.UseGridEngine();
        }

        return options switch
        {
            SlurmOptions slurm => TestClusters.Slurm(slurm),
            SGEOptions sge => TestClusters.Sge(sge),
            PBSOptions pbs => TestClusters.Pbs(pbs),
            _ => throw new ArgumentException($"No cluster for {options.GetType().Name}."),
        };
    }

    /// <summary>The test user on the loopback sshd, with the host key pinned.</summary>
    public static SshOptions Ssh(SshClientKind client = SshClientKind.SshNet) => new()
    {
        Host = LocalBatchSystems.Fact("SSH_HOST"),
        Port = int.Parse(LocalBatchSystems.Fact("SSH_PORT")),
        User = LocalBatchSystems.Fact("SSH_USER"),
        IdentityFile = LocalBatchSystems.Fact("SSH_IDENTITY_FILE"),
        KnownHostsFile = LocalBatchSystems.Fact("SSH_KNOWN_HOSTS"),
        Client = client,
        DeployWorkerHost = true,
    };

    /// <summary>Whether <paramref name="system"/> is Slurm, on this machine or through either SSH client.</summary>
    public static bool IsSlurm(TestBatchSystem system) => system is TestBatchSystem.Slurm or TestBatchSystem.SlurmOverSsh or TestBatchSystem.SlurmOverOpenSsh;

    /// <summary>A directive that keeps a job queued for an hour: it stays pending for as long as a test runs.</summary>
    public static string StartInAnHour(TestBatchSystem system) =>
        system == TestBatchSystem.GridEngine ? $"-a {DateTime.Now.AddHours(1):yyyyMMddHHmm}" : system == TestBatchSystem.Pbs ? "-a now+1hour" : "--begin=now+1hour";

    /// <summary>An environment variable that holds the job's id inside a job of <paramref name="system"/>.</summary>
    public static string JobIdVariable(TestBatchSystem system) => system == TestBatchSystem.GridEngine ? "JOB_ID" : "SLURM_JOB_ID";

    /// <summary>Fails unless, within the deadline, the batch system lists none of <paramref name="jobIds"/> as queued or running.</summary>
    public static Task AssertBatchSystemListsNoneAsync(TestBatchSystem system, IReadOnlyCollection<string> jobIds) =>
        Eventually.HoldsAsync(
            async () => (await ActiveJobIdsAsync(system)).Intersect(jobIds.Select(id => JobNumber(system, id))).ToList() is { Count: 0 },
            Deadline,
            $"the batch system no longer lists any of the jobs {string.Join(' ', jobIds)}");

    /// <summary>The ids the batch system lists as queued or running, asked with its own plain commands.</summary>
    public static async Task<IReadOnlyList<string>> ActiveJobIdsAsync(TestBatchSystem system)
    {
        switch (system)
        {
            case TestBatchSystem.GridEngine:
                // Array tasks are listed under the array's number.
                return JobNumberElement().Matches(await RunAsync("qstat", [], "-u", "*", "-xml")).Select(match => match.Groups[1].Value).ToArray();
            case TestBatchSystem.Pbs:
                // The Torque-style qstat exits with 153 when it lists no job at all.
                return (await RunAsync(Path.Combine(LocalBatchSystems.Fact("PBS_COMMAND_DIR"), "qstat"), [153]))
                    .Split('\n', StringSplitOptions.RemoveEmptyEntries)
                    .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    .Where(columns => columns.Length >= 6 && columns[4] != "C" && char.IsAsciiDigit(columns[0][0]))
                    .Select(columns => columns[0])
                    .ToArray();
            default:
                return (await RunAsync("squeue", [], "--noheader", "--array", "--format=%i")).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }
    }

    /// <summary>Runs a batch command on this machine, as a user at a shell would, and returns its output.</summary>
    public static async Task<string> RunAsync(string command, int[] alsoFine, params string[] arguments)
    {
        var startInfo = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true };
        arguments.ToList().ForEach(startInfo.ArgumentList.Add);
        using var process = Process.Start(startInfo)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0 || alsoFine.Contains(process.ExitCode), $"{command} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await error}");
        return await output;
    }

    private static string JobNumber(TestBatchSystem system, string id) => system == TestBatchSystem.GridEngine ? id.Split('.')[0] : id;

    [GeneratedRegex("<JB_job_number>(\\d+)</JB_job_number>")]
    private static partial Regex JobNumberElement();
}
