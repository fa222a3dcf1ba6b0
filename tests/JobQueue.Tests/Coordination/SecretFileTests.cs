using System.Diagnostics;
using JobQueue.Coordination;
using JobQueue.Submission;
using Microsoft.Extensions.Logging.Abstractions;
using JobQueue.Worker;
using JobQueue.Protocol;
using JobQueue.JobScripts;

namespace JobQueue.Tests.Coordination;

/// <summary>
/// The secret file is trusted only as the cluster wrote it (this user's, 0600, two lines of 64 hex digits), is never written
/// through a file or link planted in its directory, and outlives no process of this host.
/// </summary>
public sealed class SecretFileTests : IDisposable
{
    /// <summary>What the cluster writes: the secret, then the certificate hash, each 64 hex digits.</summary>
    private static readonly string WellFormed = $"{new string('a', 64)}\n{new string('b', 64)}\n";

    private readonly string _directory = Directory.CreateTempSubdirectory("jobqueue-secret-").FullName;

    [Fact]
    public void An_empty_secret_file_is_refused_naming_the_path_and_the_worker_exits_with_a_setup_error()
    {
        var path = PrivateFile("empty.secret", "");

        var error = Assert.Throws<InvalidOperationException>(() => ClusterSecret.Read(path));

        Assert.Equal(
            $"The secret file {path} does not hold a JobQueue secret (it is empty): the cluster writes 2 lines of 64 hexadecimal digits, the secret and the coordinator's certificate hash.",
            error.Message);
    }

    [Fact]
    public async Task A_worker_given_an_empty_secret_file_exits_with_the_setup_code_not_the_impostor_one()
    {
        var path = PrivateFile("empty.secret", "");
        var errors = new List<string>();

        using var worker = WorkerHostProcess.Start(
            new WorkerCommandLine
            {
                Scheduler = "tcp://127.0.0.1:9", Name = "unset", Threads = 1, MemoryLimit = new JobQueue.JobScripts.MemorySize(1 << 30),
                DeathTimeout = TimeSpan.FromSeconds(30), SecretFile = path,
            }.ToArguments(),
            errorLines: line => { lock (errors) { errors.Add(line); } });
        await worker.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal((int)WorkerExit.BadSetup, worker.ExitCode);
        lock (errors)
        {
            Assert.Contains(errors, line => line.Contains($"The secret file {path} does not hold a JobQueue secret", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_secret_file_of_another_user_is_refused()
    {
        var path = PrivateFile("foreign.secret", WellFormed);
        await RunAsync("chown", "nobody", path);

        var error = Assert.Throws<InvalidOperationException>(() => ClusterSecret.Read(path));

        Assert.Equal($"The secret file {path} belongs to user id 65534, not to this user (0); only the file the cluster wrote is trusted.", error.Message);
    }

    [Fact]
    public void A_secret_file_others_may_read_is_refused()
    {
        var path = PrivateFile("open.secret", WellFormed);
        File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32("644", 8));

        var error = Assert.Throws<InvalidOperationException>(() => ClusterSecret.Read(path));

        Assert.Equal($"The secret file {path} can be read or written by other users; it must be mode 0600.", error.Message);
    }

    [Fact]
    public async Task A_symbolic_link_planted_at_the_old_temporary_name_is_not_written_through()
    {
        var path = Path.Combine(_directory, "job.sh");
        var victim = PrivateFile("victim", "original");
        File.CreateSymbolicLink($"{path}.{Environment.ProcessId}.tmp", victim);

        await new LocalCommandRunner(null).WriteFileAsync(path, "the content", CancellationToken.None);

        Assert.Equal("original", File.ReadAllText(victim));
        Assert.Equal("the content", File.ReadAllText(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public async Task At_start_a_cluster_removes_the_secrets_of_dead_processes_of_this_host_only()
    {
        var deadPid = await DeadPidAsync();
        var stale = Secret("stale", $"{Environment.MachineName} {deadPid} 12345");
        var live = Secret("live", $"{Environment.MachineName} {Environment.ProcessId} {OwnStartTime()}");
        var reused = Secret("reused", $"{Environment.MachineName} {Environment.ProcessId} 1");
        var otherHost = Secret("other", $"login2.elsewhere {deadPid} 12345");

        using var secret = ClusterSecret.Create(Path.Combine(_directory, "new.secret"), new byte[32], NullLogger.Instance);

        Assert.False(File.Exists(stale), "the secret of a dead process stayed");
        Assert.False(File.Exists(Path.ChangeExtension(stale, ".owner")));
        Assert.False(File.Exists(reused), "a pid the system gave to another process passed for the old one");
        Assert.True(File.Exists(live), "the secret of a live process was removed");
        Assert.True(File.Exists(otherHost), "the secret of another host's process was removed");
        Assert.Equal($"{Environment.MachineName} {Environment.ProcessId} {OwnStartTime()}\n", File.ReadAllText(Path.Combine(_directory, "new.owner")));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string PrivateFile(string name, string content)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    private string Secret(string id, string owner)
    {
        File.WriteAllText(Path.Combine(_directory, $"{id}.owner"), owner + "\n");
        return PrivateFile($"{id}.secret", WellFormed);
    }

    private static string OwnStartTime()
    {
        var stat = File.ReadAllText("/proc/self/stat");
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[19];
    }

    private static async Task<int> DeadPidAsync()
    {
        using var process = Process.Start("true")!;
        await process.WaitForExitAsync();
        return process.Id;
    }

    private static async Task RunAsync(string program, params string[] arguments)
    {
        using var process = Process.Start(program, arguments);
        await process.WaitForExitAsync();
        Assert.Equal(0, process.ExitCode);
    }
}
