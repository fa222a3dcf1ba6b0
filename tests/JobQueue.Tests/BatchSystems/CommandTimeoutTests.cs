using System.Net;
using System.Net.Sockets;
using JobQueue.Tests.Coordination;
using static JobQueue.Tests.BatchSystems.TestClusterFactory;

namespace JobQueue.Tests.BatchSystems;

/// <summary>
/// Batch and SSH commands that hang (a stuck squeue, scancel or sbatch, a login node that never answers) fail their
/// call after CommandTimeout and are killed, the cluster goes on polling and dispose returns; a qstat that fails
/// saying nothing leaves the jobs as they were. Against the real local batch systems and sshd.
/// </summary>
[Collection(BatchSystemCollection.Name)]
public sealed class CommandTimeoutTests
{
    private static readonly TimeSpan ShortTimeout = TimeSpan.FromSeconds(2);

    // Over SSH the first call also copies the WorkerHost: time enough for that on a busy machine.
    private static readonly TimeSpan SshTimeout = TimeSpan.FromSeconds(10);

    [BatchSystemFact("sbatch")]
    public async Task A_hung_squeue_fails_each_poll_with_a_timeout_and_is_killed_while_polling_goes_on()
    {
        using var commands = FlakyCommands.Slurm("squeue");
        var logging = new CollectingLoggerFactory();
        await using var cluster = Create(TestBatchSystem.Slurm, options => options with
        {
            CommandDirectory = commands.CommandDirectory,
            CommandTimeout = ShortTimeout,
            JobExtraDirectives = [StartInAnHour(TestBatchSystem.Slurm)],
            LoggerFactory = logging,
        });
        await cluster.ScaleAsync(1);
        var job = cluster.Jobs.Single().Id;
        await Eventually.HoldsAsync(() => cluster.Jobs.Single().State == JobState.Pending, Deadline, "the job is pending");

        commands.Hang();
        await Eventually.HoldsAsync(() => TimedOutPolls(logging) >= 2, Deadline, "two polls timed out");
        await RunAsync("scancel", [], job);
        await Eventually.HoldsAsync(() => TimedOutPolls(logging) >= 3, Deadline, "a poll after the cancel timed out");

        // The state last seen stays until squeue answers again; then the next poll sees the cancel.
        Assert.Equal(JobState.Pending, cluster.Jobs.Single().State);
        commands.Answer();
        await Eventually.HoldsAsync(() => cluster.Jobs.Single().State == JobState.Cancelled, Deadline, "the cluster sees the job cancelled");
        await commands.AssertHungProcessesKilledAsync();
        Assert.Single(cluster.Jobs);

        static int TimedOutPolls(CollectingLoggerFactory logging) =>
            logging.Warnings.Count(message => message.StartsWith("Asking the batch system for the jobs' states failed; they keep the states last seen: squeue ", StringComparison.Ordinal)
                && message.EndsWith(" on this machine timed out after 2 s and was stopped (SlurmOptions.CommandTimeout; raise it if the batch system or the link is only slow).", StringComparison.Ordinal));
    }

    [BatchSystemFact("sbatch")]
    public async Task Dispose_returns_when_scancel_hangs_and_logs_that_it_timed_out()
    {
        using var commands = FlakyCommands.Slurm("scancel");
        var logging = new CollectingLoggerFactory();
        var cluster = Create(TestBatchSystem.Slurm, options => options with
        {
            CommandDirectory = commands.CommandDirectory,
            CommandTimeout = ShortTimeout,
            JobExtraDirectives = [StartInAnHour(TestBatchSystem.Slurm)],
            LoggerFactory = logging,
        });
        await cluster.ScaleAsync(1);
        var job = cluster.Jobs.Single().Id;

        commands.Hang();
        await cluster.DisposeAsync().AsTask().WaitAsync(Deadline);

        Assert.Contains($"Could not cancel the cluster's jobs: scancel {job} on this machine timed out after 2 s and was stopped (SlurmOptions.CommandTimeout; raise it if the batch system or the link is only slow).", logging.Warnings);
        await commands.AssertHungProcessesKilledAsync();
        await RunAsync("scancel", [], job);
    }

    [Theory, OnSlurmOverSsh]
    public async Task A_hung_sbatch_on_the_login_node_fails_the_scale_with_a_timeout_and_the_next_scale_works(TestBatchSystem system)
    {
        using var commands = FlakyCommands.Slurm("sbatch");
        await using var cluster = Create(system, options => options with
        {
            CommandDirectory = commands.CommandDirectory,
            CommandTimeout = SshTimeout,
            JobExtraDirectives = [StartInAnHour(system)],
        });
        await cluster.ScaleAsync(1);

        commands.Hang();
        var error = await Assert.ThrowsAsync<BatchCommandException>(() => cluster.ScaleAsync(2)).WaitAsync(Deadline);

        Assert.Equal($"sbatch on {LocalBatchSystems.Fact("SSH_USER")}@{LocalBatchSystems.Fact("SSH_HOST")}:{LocalBatchSystems.Fact("SSH_PORT")} timed out after 10 s and was stopped (SlurmOptions.CommandTimeout; raise it if the batch system or the link is only slow).", error.Message);
        Assert.IsType<TimeoutException>(error.InnerException);
        commands.Answer();
        await cluster.ScaleAsync(2);
        Assert.Equal(2, cluster.Jobs.Count(job => !job.HasEnded));
    }

    [Theory, OnSlurmOverSsh]
    public async Task A_login_node_that_never_answers_fails_with_a_timeout_and_dispose_returns(TestBatchSystem system)
    {
        await using var silent = SilentServer.Start();
        var cluster = Create(system, options => options with { Ssh = options.Ssh! with { Port = silent.Port }, CommandTimeout = ShortTimeout });

        var error = await Assert.ThrowsAsync<BatchCommandException>(() => cluster.ScaleAsync(1)).WaitAsync(Deadline);
        await cluster.DisposeAsync().AsTask().WaitAsync(Deadline);

        Assert.Equal($"asking for the home directory on {LocalBatchSystems.Fact("SSH_USER")}@127.0.0.1:{silent.Port} timed out after 2 s and was stopped (SlurmOptions.CommandTimeout; raise it if the batch system or the link is only slow).", error.Message);
        Assert.True(silent.Accepted > 0, "the client connected to the silent server");
        Assert.Empty(cluster.Jobs);
    }

    [BatchSystemFact("qsub", "PBS_COMMAND_DIR")]
    public async Task A_qstat_that_fails_saying_nothing_keeps_the_states_of_the_jobs_and_is_logged()
    {
        using var commands = FlakyCommands.Pbs("qstat");
        var logging = new CollectingLoggerFactory();
        await using var cluster = Create(TestBatchSystem.Pbs, options => options with
        {
            CommandDirectory = commands.CommandDirectory,
            JobExtraDirectives = [StartInAnHour(TestBatchSystem.Pbs)],
            LoggerFactory = logging,
        });
        await cluster.ScaleAsync(2);
        await Eventually.HoldsAsync(() => cluster.Jobs.All(job => job.State == JobState.Pending), Deadline, "both jobs are pending");

        commands.FailSilently();
        await Eventually.HoldsAsync(
            () => logging.Warnings.Count(message => message.StartsWith("Asking the batch system for the jobs' states failed; they keep the states last seen: qstat -f ", StringComparison.Ordinal)
                && message.EndsWith(" exited with code 153: it printed nothing", StringComparison.Ordinal)) >= 3,
            Deadline,
            "three polls failed");

        // Before, every job counted as ended and two replacements were submitted.
        Assert.Equal(2, cluster.Jobs.Count);
        Assert.All(cluster.Jobs, job => Assert.Equal(JobState.Pending, job.State));
    }

    /// <summary>A TCP server on 127.0.0.1 that accepts connections and never sends a byte, as a hung sshd.</summary>
    private sealed class SilentServer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly List<Socket> _accepted = [];
        private readonly Task _accepting;

        private SilentServer()
        {
            _listener.Start();
            _accepting = AcceptAsync();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public int Accepted
        {
            get
            {
                lock (_accepted)
                {
                    return _accepted.Count;
                }
            }
        }

        public static SilentServer Start() => new();

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            await _accepting;
            lock (_accepted)
            {
                _accepted.ForEach(socket => socket.Dispose());
            }
        }

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var socket = await _listener.AcceptSocketAsync();
                    lock (_accepted)
                    {
                        _accepted.Add(socket);
                    }
                }
            }
            catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
            {
                // Stopped.
            }
        }
    }
}
