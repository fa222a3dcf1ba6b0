using System.Globalization;
using JobQueue.Configuration;
using JobQueue.Coordination;
using JobQueue.Dashboard;
using JobQueue.Jobs;
using JobQueue.Scaling;
using JobQueue.Scripting;
using JobQueue.JobScripts;
using JobQueue.Submission;
using Microsoft.Extensions.Logging;

namespace JobQueue;

/// <summary>
/// A cluster whose workers run as batch jobs. Constructing one checks every option and runs no command, so
/// <see cref="JobScript"/> works on a laptop without the batch system. <see cref="Scale"/> submits and cancels jobs in
/// the background; one status command per poll follows them all (<see cref="Jobs"/>); disposing cancels every job
/// with one command.
/// </summary>
public abstract class JobQueueCluster : Cluster, IJobWorkers, IAdaptiveCluster
{
    private static readonly TimeSpan DefaultStatusInterval = TimeSpan.FromSeconds(5);

    private readonly JobCommands _batch;
    private readonly JobSupervisor _supervisor;
    private readonly Lock _gate = new();
    private Adaptive? _adaptive;

    /// <summary>
    /// A cluster of <paramref name="batchSystem"/>'s jobs: how a batch system added outside this library gets its
    /// cluster class, e.g. <c>public sealed class LsfCluster(LsfOptions options) : JobQueueCluster(options, LsfBatchSystem.Instance);</c>.
    /// Unset options come from the <see cref="BatchSystem.ConfigSection"/> section of the configuration file and the
    /// environment, as for the built-in clusters.
    /// </summary>
    /// <exception cref="ArgumentException">An option is missing or invalid; the message names it and shows an accepted value.</exception>
    protected JobQueueCluster(JobQueueOptions options, BatchSystem batchSystem)
        : this(options, batchSystem, JobQueueConfig.FromEnvironment())
    {
    }

    private protected JobQueueCluster(JobQueueOptions options, BatchSystem batchSystem, JobQueueConfig config)
        : this(batchSystem, config.Apply(options, batchSystem.ConfigSection))
    {
    }

    private JobQueueCluster(BatchSystem batchSystem, JobQueueOptions merged)
        : this(JobDefinition.Resolve(merged, batchSystem), merged)
    {
    }

    private JobQueueCluster(JobDefinition definition, JobQueueOptions options)
        : base(definition.Name, options, options.GetType().Name, "0.0.0.0", definition.SecretFile)
    {
        var optionsType = options.GetType().Name;
        var statusInterval = options.StatusInterval ?? DefaultStatusInterval;
        if (statusInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException($"{optionsType}.StatusInterval = {statusInterval} must be positive, e.g. StatusInterval = TimeSpan.FromSeconds(5).", nameof(options.StatusInterval));
        }

        var commandTimeout = TimedCommandRunner.Resolve(options.CommandTimeout, optionsType);
        ICommandRunner commands;
        if (options.Ssh is { } ssh)
        {
            ssh.Validate(optionsType);
            if (options.WorkerCommand is null && !ssh.DeployWorkerHost)
            {
                throw new ArgumentException(
                    $"{optionsType}.WorkerCommand is required with Ssh: set it to a WorkerHost the nodes can run, e.g. WorkerCommand = \"dotnet /shared/jobqueue/WorkerHost.dll\", or set Ssh.DeployWorkerHost = true to copy this one there.",
                    nameof(options.WorkerCommand));
            }

            commands = SshRunners.Create(ssh, options.CommandDirectory, commandTimeout, Logger);
        }
        else
        {
            commands = new LocalCommandRunner(definition.CommandDirectory);
        }

        _batch = new JobCommands(definition, options, TimedCommandRunner.Wrap(commands, commandTimeout, optionsType), () => ((IJobWorkers)this).StartCoordinator().SecretPath);
        _supervisor = new JobSupervisor(_batch, statusInterval, this, Logger);
    }

    /// <summary>The resolved settings; over SSH, re-resolved with the remote home directory once the cluster starts submitting.</summary>
    internal JobDefinition Definition => _supervisor.Definition;

    /// <summary>True while <see cref="Adapt(AdaptOptions)"/> sets the number of jobs (until a <c>Scale</c> or the cluster's end).</summary>
    public bool IsAdapting
    {
        get
        {
            lock (_gate)
            {
                return _adaptive is not null;
            }
        }
    }

    /// <summary>Every job this cluster submitted, oldest first, with its state and connected workers.</summary>
    public IReadOnlyList<JobInfo> Jobs => _supervisor.Jobs;

    /// <summary>
    /// The script this cluster submits for its next job, exactly as the batch system will receive it. Until the
    /// coordinator has started, <c>tcp://COORDINATOR:PORT</c> stands where its address goes.
    /// </summary>
    public string JobScript() => Definition.Render(Address ?? JobDefinition.AddressPlaceholder, firstJobIndex: 0, array: false);

    /// <summary>
    /// Asks the batch system whether it would accept <see cref="JobScript"/> (<c>sbatch --test-only</c>, <c>qsub -w v</c>)
    /// without queueing a job, and returns what it answered.
    /// </summary>
    /// <exception cref="BatchCommandException">The batch system refused the script (an unknown partition or queue, say) or its command is missing.</exception>
    /// <exception cref="NotSupportedException">The batch system cannot check a script without queueing it (PBS).</exception>
    public async Task<string> CheckJobScriptAsync(CancellationToken cancellationToken = default)
    {
        var system = Definition.System;
        var arguments = system.CheckArguments
            ?? throw new NotSupportedException($"{system.DisplayName} has no way to check a job script without queueing it; print JobScript() and compare it with your site's rules instead.");
        return await _batch.CheckAsync(JobScript(), arguments, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sets how many workers (or jobs, cores, memory: give exactly one) the cluster should have, and returns at once:
    /// jobs are submitted or cancelled in the background. Workers come in whole jobs of <see cref="JobQueueOptions.Processes"/>.
    /// Scaling down removes queued jobs first, then the newest; busy workers finish their running tasks first. A refused
    /// submission shows in <see cref="Jobs"/> and makes <see cref="Cluster.WaitForWorkersAsync"/> throw.
    /// </summary>
    /// <exception cref="ArgumentException">Not exactly one target was given, or it is negative or malformed.</exception>
    public void Scale(int? workers = null, int? jobs = null, int? cores = null, string? memory = null)
    {
        StopAdapting();
        _supervisor.SetTarget(JobsFor(workers, jobs, cores, memory), []);
        _supervisor.Wake();
    }

    /// <summary>Like <see cref="Scale"/>, but returns once the batch system accepted or refused the submissions and cancels.</summary>
    /// <exception cref="BatchCommandException">The batch system refused a submission, or a command failed (over SSH: the connection).</exception>
    public async Task ScaleAsync(int? workers = null, int? jobs = null, int? cores = null, string? memory = null, CancellationToken cancellationToken = default)
    {
        StopAdapting();
        _supervisor.SetTarget(JobsFor(workers, jobs, cores, memory), []);
        using var interruptible = CellScope.Link(cancellationToken);
        await _supervisor.ReconcileAsync(throwRefusals: true, interruptible.Token).ConfigureAwait(false);
    }

    /// <summary>
    /// Submits and removes jobs by itself from now on: enough workers to finish the queued work in about
    /// <paramref name="targetDuration"/>, within the bounds (all that are given hold). See <see cref="AdaptOptions"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The bounds are negative or contradict each other; the message names them.</exception>
    public Adaptive Adapt(
        int min = 0, int max = int.MaxValue, int? minJobs = null, int? maxJobs = null, int? minCores = null, int? maxCores = null,
        string? minMemory = null, string? maxMemory = null, TimeSpan? interval = null, int waitCount = 3, TimeSpan? targetDuration = null,
        TimeSpan? idleTimeout = null, int? maxPendingJobs = null) =>
        Adapt(new AdaptOptions
        {
            Min = min, Max = max, MinJobs = minJobs, MaxJobs = maxJobs, MinCores = minCores, MaxCores = maxCores, MinMemory = minMemory, MaxMemory = maxMemory,
            Interval = interval, WaitCount = waitCount, TargetDuration = targetDuration, IdleTimeout = idleTimeout, MaxPendingJobs = maxPendingJobs,
        });

    /// <inheritdoc cref="Adapt(int, int, int?, int?, int?, int?, string?, string?, TimeSpan?, int, TimeSpan?, TimeSpan?, int?)"/>
    public Adaptive Adapt(AdaptOptions options) => Adapt(options, TimeProvider.System);

    internal Adaptive Adapt(AdaptOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        var limits = AdaptBounds.Resolve(options, Definition);
        StopAdapting();
        var adaptive = new Adaptive(this, new AdaptivePolicy(limits), time, Logger);
        lock (_gate)
        {
            _adaptive = adaptive;
        }

        return adaptive;
    }

    /// <summary>What job <paramref name="jobId"/> wrote to its standard output and error so far, from the log directory (over SSH too).</summary>
    /// <exception cref="ArgumentException">This cluster submitted no job <paramref name="jobId"/>.</exception>
    public Task<JobLog> GetJobLogAsync(string jobId, CancellationToken cancellationToken = default) => _supervisor.GetLogAsync(jobId, cancellationToken);

    /// <summary>One line: <c>SlurmCluster(chem, tcp://10.1.2.3:40123 from Interface ib0): 3 running, 497 pending jobs; 6 workers, 48 cores, 144 GB</c>.</summary>
    public override string ToString()
    {
        var jobs = Jobs;
        var workers = Workers;
        var running = jobs.Count(job => job.State == JobState.Running);
        var pending = jobs.Count(job => job.State is JobState.Submitted or JobState.Pending);
        var memory = workers.Sum(worker => worker.MemoryLimit) / 1e9;
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{GetType().Name}({Name}, {(Address is { } address ? $"{address} {AddressReason}" : "not started")}): {running} running, {pending} pending jobs; {workers.Count} workers, {workers.Sum(worker => worker.Threads)} cores, {memory:0.#} GB{(_adaptive is { } adaptive ? $"; {adaptive}" : "")}");
    }

    private protected override DashboardSnapshot SampleDashboard(Coordinator coordinator)
    {
        // Without the cluster's lock: the dashboard starts while the coordinator starts, whoever holds what.
        var adaptive = Volatile.Read(ref _adaptive);
        return base.SampleDashboard(coordinator) with { Jobs = Jobs, Decision = adaptive?.LastDecision };
    }

    private protected override Func<string, CancellationToken, Task<JobLog>>? DashboardJobLog => GetJobLogAsync;

    private protected override Task WorkersCannotStart => _supervisor.WorkersCannotStart;

    private protected override void OnWorkerChanged(Coordinator coordinator, WorkerInfo worker, bool connected)
    {
        if (connected)
        {
            _supervisor.WorkerConnected(worker.JobId);
        }
        else
        {
            // A retired job whose workers left is cancelled at the next round.
            _supervisor.Wake();
        }
    }

    private protected override async Task StopWorkersAsync(Coordinator coordinator)
    {
        StopAdapting();
        await _supervisor.StopAsync().ConfigureAwait(false);
        coordinator.ShutDownWorkers("the cluster was disposed");
        await _supervisor.CancelAllAsync().ConfigureAwait(false);
    }

    private protected override async ValueTask ReleaseAsync()
    {
        StopAdapting();
        await _supervisor.DisposeAsync().ConfigureAwait(false);
    }

    private protected override string DescribeMissingWorkers() => _supervisor.DescribeMissingWorkers();

    IReadOnlyList<WorkerInfo> IJobWorkers.Workers => Workers;

    (string Address, string SecretPath) IJobWorkers.StartCoordinator()
    {
        var coordinator = Coordinator;
        return (coordinator.Address, coordinator.SecretPath);
    }

    void IJobWorkers.Drain(IReadOnlyCollection<string> jobIds) => Coordinator.DrainWorkers(jobIds);

    /// <summary>The adaptive loop's view of the work and the jobs.</summary>
    AdaptiveLoad IAdaptiveCluster.AdaptiveLoad()
    {
        var (queued, workers) = Coordinator.Load();
        var (pending, running, startFailures) = _supervisor.Counts();
        var busyJobs = workers.Where(worker => worker.HeldPartitions > 0).Select(worker => worker.JobId).ToHashSet();

        // Items, like the queue and the tasks done; a held partition keeps one thread busy.
        return new AdaptiveLoad(
            queued, workers.Sum(worker => worker.HeldItems), Workers.Sum(worker => worker.TasksDone), workers.Sum(worker => Math.Min(worker.HeldPartitions, worker.Threads)),
            pending, running, busyJobs, startFailures);
    }

    /// <summary>Sets the job target for <paramref name="adaptive"/>, unless a Scale or another Adapt has replaced it since.</summary>
    void IAdaptiveCluster.SetAdaptiveTarget(Adaptive adaptive, int jobs, IReadOnlyCollection<string> idleJobs)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(_adaptive, adaptive) || _supervisor.IsFollowing(jobs))
            {
                return;
            }
        }

        _supervisor.SetTarget(jobs, idleJobs);
        _supervisor.Wake();
    }

    private void StopAdapting()
    {
        Adaptive? adaptive;
        lock (_gate)
        {
            (adaptive, _adaptive) = (_adaptive, null);
        }

        // Its loop ends at its next tick at the latest; from here on its decisions are ignored.
        _ = adaptive?.StopAsync();
    }

    /// <summary>The jobs that give <paramref name="workers"/>, <paramref name="jobs"/>, <paramref name="cores"/> or <paramref name="memory"/>: exactly one is given.</summary>
    private int JobsFor(int? workers, int? jobs, int? cores, string? memory)
    {
        var given = new object?[] { workers, jobs, cores, memory }.Count(value => value is not null);
        if (given != 1)
        {
            throw new ArgumentException("Give exactly one of workers, jobs, cores or memory, e.g. Scale(4) or Scale(jobs: 2).");
        }

        static int NotNegative(int value, string name) =>
            value >= 0 ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} must be 0 or more, e.g. Scale({name}: 4).");

        var definition = Definition;
        return workers is { } w ? Ceiling(NotNegative(w, nameof(workers)), definition.Processes)
            : jobs is { } j ? NotNegative(j, nameof(jobs))
            : cores is { } c ? Ceiling(NotNegative(c, nameof(cores)), definition.Cores)
            : (int)Math.Ceiling((double)MemorySize.Parse(memory!, nameof(memory)).Bytes / definition.Memory.Bytes);
    }

    private static int Ceiling(int value, int per) => (value + per - 1) / per;
}
