using System.Globalization;
using JobQueue.Configuration;
using JobQueue.Coordination;
using JobQueue.Dashboard;
using JobQueue.Jobs;
using JobQueue.Scaling;
using JobQueue.Scripting;
using JobQueue.JobScripts;
using JobQueue.Submission;
using JobQueue.Submission.SshNet;
using Microsoft.Extensions.Logging;

namespace JobQueue;

/// <summary>
/// A cluster whose workers run as batch jobs. Constructing one checks every option and runs no command, so
/// <see cref="JobScript"/> works on a laptop without the batch system. <see cref="Scale"/> submits and cancels jobs in
/// the background; one status command per poll follows them all (<see cref="Jobs"/>); disposing cancels every job
/// with one command.
/// </summary>
public abstract class JobQueueCluster : Cluster
{
    private const int MaxConcurrentSubmissions = 8;
    private const int LogTailBytes = 1 << 20;
    private const int DiagnosisLogLines = 20;
    private static readonly TimeSpan DefaultStatusInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ExitCancelLimit = TimeSpan.FromSeconds(10);

    private readonly JobQueueOptions _options;
    private readonly ICommandRunner _commands;
    private readonly TimeSpan _statusInterval;
    private readonly JobTable _jobs = new();
    private readonly SemaphoreSlim _reconcileLock = new(1, 1);
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private Task<JobDefinition>? _prepared;
    private Task _loop = Task.CompletedTask;
    private int _targetJobs;
    private int _nextJobIndex;
    private TaskCompletionSource _workersCannotStart = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _exitHandlerRegistered;
    private Adaptive? _adaptive;
    private IReadOnlyCollection<string> _idleJobs = [];

    private protected JobQueueCluster(JobQueueOptions options, BatchSystem batchSystem, JobQueueConfig config)
        : this(config.Apply(options, batchSystem.ConfigSection), batchSystem)
    {
    }

    private JobQueueCluster(JobQueueOptions merged, BatchSystem batchSystem)
        : this(JobDefinition.Resolve(merged, batchSystem), merged)
    {
    }

    private JobQueueCluster(JobDefinition definition, JobQueueOptions options)
        : base(definition.Name, options, options.GetType().Name, "0.0.0.0", definition.SecretFile)
    {
        var optionsType = options.GetType().Name;
        _statusInterval = options.StatusInterval ?? DefaultStatusInterval;
        if (_statusInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException($"{optionsType}.StatusInterval = {_statusInterval} must be positive, e.g. StatusInterval = TimeSpan.FromSeconds(5).", nameof(options.StatusInterval));
        }

        var commandTimeout = TimedCommandRunner.Resolve(options.CommandTimeout, optionsType);
        if (options.Ssh is { } ssh)
        {
            ssh.Validate(optionsType);
            if (options.WorkerCommand is null && !ssh.DeployWorkerHost)
            {
                throw new ArgumentException(
                    $"{optionsType}.WorkerCommand is required with Ssh: set it to a WorkerHost the nodes can run, e.g. WorkerCommand = \"dotnet /shared/jobqueue/WorkerHost.dll\", or set Ssh.DeployWorkerHost = true to copy this one there.",
                    nameof(options.WorkerCommand));
            }

            _commands = ssh.Client == SshClientKind.OpenSsh
                ? new SshCommandRunner(ssh, options.CommandDirectory, commandTimeout)
                : new SshNetCommandRunner(ssh, options.CommandDirectory, Logger);
        }
        else
        {
            _commands = new LocalCommandRunner(definition.CommandDirectory);
        }

        _commands = TimedCommandRunner.Wrap(_commands, commandTimeout, optionsType);

        _options = options;
        Definition = definition;
    }

    /// <summary>The resolved settings; over SSH, re-resolved with the remote home directory once the cluster starts submitting.</summary>
    internal JobDefinition Definition { get; private set; }

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
    public IReadOnlyList<JobInfo> Jobs => _jobs.Snapshot(WorkersByJob());

    /// <summary>
    /// The script this cluster submits for its next job, exactly as the batch system will receive it. Until the
    /// coordinator has started, <c>tcp://COORDINATOR:PORT</c> stands where its address goes.
    /// </summary>
    public string JobScript() => Definition.Render(Address ?? JobDefinition.AddressPlaceholder, Definition.WorkerName(0));

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
        var result = await _commands.RunAsync(system.SubmitCommand, arguments, JobScript(), cancellationToken).ConfigureAwait(false);
        result.EnsureSuccess();
        return (result.StandardOutput + result.StandardError).Trim();
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
        SetTarget(workers, jobs, cores, memory);
        _wake.Release();
    }

    /// <summary>Like <see cref="Scale"/>, but returns once the batch system accepted or refused the submissions and cancels.</summary>
    /// <exception cref="BatchCommandException">The batch system refused a submission, or a command failed (over SSH: the connection).</exception>
    public async Task ScaleAsync(int? workers = null, int? jobs = null, int? cores = null, string? memory = null, CancellationToken cancellationToken = default)
    {
        StopAdapting();
        SetTarget(workers, jobs, cores, memory);
        using var interruptible = CellScope.Link(cancellationToken);
        await ReconcileAsync(throwRefusals: true, interruptible.Token).ConfigureAwait(false);
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
    public async Task<JobLog> GetJobLogAsync(string jobId, CancellationToken cancellationToken = default)
    {
        var (_, logId) = _jobs.Find(jobId)
            ?? throw new ArgumentException($"This cluster submitted no job {jobId}; its jobs are listed in Jobs.", nameof(jobId));
        var definition = await PrepareAsync(cancellationToken).ConfigureAwait(false);
        if (definition.LogDirectory is not { } directory)
        {
            return new JobLog(jobId, null, null, []);
        }

        var (output, error) = definition.System.LogFiles(directory, definition.JobName, logId);
        var outputText = await _commands.ReadTailAsync(output, LogTailBytes, cancellationToken).ConfigureAwait(false);
        var errorText = error is null ? null : await _commands.ReadTailAsync(error, LogTailBytes, cancellationToken).ConfigureAwait(false);
        return new JobLog(jobId, outputText, errorText, error is null ? [output] : [output, error]);
    }

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

    private protected override Task WorkersCannotStart
    {
        get
        {
            lock (_gate)
            {
                return _workersCannotStart.Task;
            }
        }
    }

    private protected override void OnCoordinatorStarted(Coordinator coordinator) =>
        coordinator.WorkerChanged += (worker, connected) =>
        {
            if (connected)
            {
                _jobs.WorkerConnected(worker.JobId, DateTimeOffset.UtcNow);
            }
            else
            {
                // A retired job whose workers left is cancelled at the next round.
                _wake.Release();
            }
        };

    private protected override async Task StopWorkersAsync(Coordinator coordinator)
    {
        StopAdapting();
        await StopLoopAsync().ConfigureAwait(false);
        coordinator.ShutDownWorkers("the cluster was disposed");
        try
        {
            await CancelJobsAsync(_jobs.CancelAll(), CancellationToken.None).ConfigureAwait(false);
        }
        catch (BatchCommandException exception)
        {
            Logger.LogError("Could not cancel the cluster's jobs: {Reason}", exception.Message);
        }

        if (_prepared is { IsCompletedSuccessfully: true } prepared && _options.Ssh is not null)
        {
            await _commands.DeleteFileAsync((await prepared.ConfigureAwait(false)).SecretFile, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private protected override async ValueTask ReleaseAsync()
    {
        StopAdapting();
        await StopLoopAsync().ConfigureAwait(false);
        lock (_gate)
        {
            if (_exitHandlerRegistered)
            {
                AppDomain.CurrentDomain.ProcessExit -= CancelJobsAtExit;
                _exitHandlerRegistered = false;
            }
        }

        await _commands.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private protected override string DescribeMissingWorkers()
    {
        var jobs = Jobs.Where(job => !job.HasEnded).ToList();
        if (jobs.Count == 0)
        {
            return "No job is queued or running: call Scale to submit some.";
        }

        var states = jobs.GroupBy(job => job.State).Select(group => $"{group.Count()} {group.Key.ToString().ToLowerInvariant()}");
        var pendingReasons = jobs.Where(job => job.State == JobState.Pending && job.Reason is not null).Select(job => job.Reason).Distinct().ToList();
        return $"Jobs: {string.Join(", ", states)}{(pendingReasons.Count > 0 ? $" (pending because: {string.Join(", ", pendingReasons)})" : "")}.";
    }

    /// <summary>The adaptive loop's view of the work and the jobs.</summary>
    internal AdaptiveLoad AdaptiveLoad()
    {
        var (queued, workers) = Coordinator.Load();
        var (pending, running) = _jobs.LiveByState();
        var busyJobs = workers.Where(worker => worker.HeldPartitions > 0).Select(worker => worker.JobId).ToHashSet();

        // Items, like the queue and the tasks done; a held partition keeps one thread busy.
        return new AdaptiveLoad(
            queued, workers.Sum(worker => worker.HeldItems), Workers.Sum(worker => worker.TasksDone), workers.Sum(worker => Math.Min(worker.HeldPartitions, worker.Threads)),
            pending, running, busyJobs, _jobs.StartFailures);
    }

    /// <summary>Sets the job target for <paramref name="adaptive"/>, unless a Scale or another Adapt has replaced it since.</summary>
    internal void SetAdaptiveTarget(Adaptive adaptive, int jobs, IReadOnlyCollection<string> idleJobs)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(_adaptive, adaptive) || _stopping.IsCancellationRequested || (_targetJobs == jobs && _loop is { IsCompleted: false }))
            {
                return;
            }

            _idleJobs = idleJobs;
        }

        ApplyTarget(jobs);
        _wake.Release();
    }

    private void StopAdapting()
    {
        Adaptive? adaptive;
        lock (_gate)
        {
            (adaptive, _adaptive) = (_adaptive, null);
            _idleJobs = [];
        }

        // Its loop ends at its next tick at the latest; from here on its decisions are ignored.
        _ = adaptive?.StopAsync();
    }

    private async Task StopLoopAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        Task loop;
        lock (_gate)
        {
            loop = _loop;
        }

        // The loop ends with the cluster; whatever it met on the way out was logged or no longer matters.
        await loop.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
    }

    private void SetTarget(int? workers, int? jobs, int? cores, string? memory)
    {
        var given = new object?[] { workers, jobs, cores, memory }.Count(value => value is not null);
        if (given != 1)
        {
            throw new ArgumentException("Give exactly one of workers, jobs, cores or memory, e.g. Scale(4) or Scale(jobs: 2).");
        }

        static int NotNegative(int value, string name) =>
            value >= 0 ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} must be 0 or more, e.g. Scale({name}: 4).");

        var definition = Definition;
        var target = workers is { } w ? Ceiling(NotNegative(w, nameof(workers)), definition.Processes)
            : jobs is { } j ? NotNegative(j, nameof(jobs))
            : cores is { } c ? Ceiling(NotNegative(c, nameof(cores)), definition.Cores)
            : (int)Math.Ceiling((double)MemorySize.Parse(memory!, nameof(memory)).Bytes / definition.Memory.Bytes);
        ApplyTarget(target);
    }

    private void ApplyTarget(int target)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
            _targetJobs = target;

            // An explicit scale is the user's next attempt: earlier failures no longer stop submissions.
            if (_workersCannotStart.Task.IsCompleted)
            {
                _workersCannotStart = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            if (_loop.IsCompleted)
            {
                _loop = RunLoopAsync();
            }
        }
    }

    private static int Ceiling(int value, int per) => (value + per - 1) / per;

    private Task<JobDefinition> PrepareAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_prepared is null or { IsFaulted: true } or { IsCanceled: true })
            {
                _prepared = PrepareOnceAsync(cancellationToken);
            }

            return _prepared;
        }
    }

    // Starts the coordinator and, over SSH, settles the remote paths, the WorkerHost and the secret file there.
    private async Task<JobDefinition> PrepareOnceAsync(CancellationToken cancellationToken)
    {
        var coordinator = Coordinator;
        var definition = Definition;
        if (_options.Ssh is { } ssh)
        {
            var remote = (IRemoteRunner)_commands;
            var home = await remote.HomeDirectoryAsync(cancellationToken).ConfigureAwait(false);
            var workerCommand = _options.WorkerCommand;
            if (workerCommand is null)
            {
                var workerHost = await WorkerHostDeployment.EnsureDeployedAsync(remote, cancellationToken).ConfigureAwait(false);
                workerCommand = ShellWords.Join([ssh.Dotnet ?? "dotnet", workerHost]);
            }

            definition = JobDefinition.Resolve(_options with { WorkerCommand = workerCommand }, definition.System, home);
            var secret = await File.ReadAllTextAsync(coordinator.SecretPath, cancellationToken).ConfigureAwait(false);
            await remote.WriteFileAsync(definition.SecretFile, secret, cancellationToken).ConfigureAwait(false);
            Definition = definition;
        }

        if (definition.LogDirectory is { } logs)
        {
            await _commands.CreateDirectoryAsync(logs, cancellationToken).ConfigureAwait(false);
        }

        return definition;
    }

    private async Task RunLoopAsync()
    {
        var stopping = _stopping.Token;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await PollOrKeepStatesAsync(stopping).ConfigureAwait(false);
                await ReconcileAsync(throwRefusals: false, stopping).ConfigureAwait(false);
                await _wake.WaitAsync(_statusInterval, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is BatchCommandException or FormatException or IOException)
            {
                Logger.LogWarning("Following the jobs failed, retrying in {Seconds} s: {Reason}", _statusInterval.TotalSeconds, exception.Message);
                await Task.Delay(_statusInterval, stopping).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            }
        }
    }

    // A status command that fails or hangs (and times out) leaves the states last seen: submitting and cancelling go on.
    private async Task PollOrKeepStatesAsync(CancellationToken cancellationToken)
    {
        try
        {
            await PollAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is BatchCommandException or FormatException)
        {
            Logger.LogWarning("Asking the batch system for the jobs' states failed; they keep the states last seen: {Reason}", exception.Message);
        }
    }

    private async Task PollAsync(CancellationToken cancellationToken)
    {
        var ids = _jobs.UnfinishedIds;
        if (ids.Count == 0)
        {
            return;
        }

        var definition = await PrepareAsync(cancellationToken).ConfigureAwait(false);
        var system = definition.System;
        var started = DateTimeOffset.UtcNow;
        var result = await _commands.RunAsync(system.StatusCommand, system.StatusArguments(ids, definition.JobName), null, cancellationToken).ConfigureAwait(false);
        var ended = _jobs.ApplyPoll(system.ParseStatus(result), system.ListsEndedJobs, started, WorkersByJob(), DateTimeOffset.UtcNow);
        foreach (var job in ended)
        {
            Logger.LogInformation("Job {Job} ended: {State}{Exit}", job.Id, job.State, job.ExitCode is { } code ? $", exit code {code}" : "");
            if (_jobs.EndedWithoutWorkers(job.Id))
            {
                await DiagnoseAsync(job, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task DiagnoseAsync(JobInfo job, CancellationToken cancellationToken)
    {
        string tail;
        try
        {
            var log = await GetJobLogAsync(job.Id, cancellationToken).ConfigureAwait(false);
            tail = log.StandardOutput is null && log.StandardError is null
                ? $"(no log: {(log.Paths.Count == 0 ? "LogDirectory is empty, so the batch system's default place was used" : $"{string.Join(" and ", log.Paths)} do not exist")})"
                : log.Tail(DiagnosisLogLines);
        }
        catch (BatchCommandException exception)
        {
            tail = $"(the log could not be read: {exception.Message})";
        }

        var failure = new WorkersDidNotStartException(job, tail);
        Logger.LogWarning("{Message}", failure.Message);
        lock (_gate)
        {
            _workersCannotStart.TrySetException(failure);
        }
    }

    private async Task ReconcileAsync(bool throwRefusals, CancellationToken cancellationToken)
    {
        await _reconcileLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            JobDefinition definition;
            try
            {
                definition = await PrepareAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (BatchCommandException exception) when (!throwRefusals)
            {
                Fail(exception);
                return;
            }

            Task failure;
            int target;
            lock (_gate)
            {
                failure = _workersCannotStart.Task;
                target = _targetJobs;
            }

            var workersByJob = WorkersByJob();
            var live = _jobs.LiveCount;
            if (live < target && failure.IsFaulted)
            {
                // Since the last Scale a submission was refused or a job failed before its workers came (maybe in the
                // background loop): no more submissions until the next Scale, and ScaleAsync reports it.
                if (throwRefusals)
                {
                    await failure.ConfigureAwait(false);
                }
            }
            else if (live < target)
            {
                await SubmitAsync(definition, target - live, throwRefusals, cancellationToken).ConfigureAwait(false);
            }
            else if (live > target)
            {
                IReadOnlyCollection<string> idleJobs;
                lock (_gate)
                {
                    idleJobs = _idleJobs;
                }

                var (cancel, retire) = _jobs.ChooseForRemoval(live - target, workersByJob, idleJobs);
                Coordinator.DrainWorkers(retire);
                await CancelJobsAsync(cancel, cancellationToken).ConfigureAwait(false);
            }

            await CancelJobsAsync(_jobs.TakeRetiredWithoutWorkers(workersByJob), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _reconcileLock.Release();
        }
    }

    private async Task SubmitAsync(JobDefinition definition, int count, bool throwRefusals, CancellationToken cancellationToken)
    {
        EnsureExitHandler();
        var address = Coordinator.Address;
        var system = definition.System;

        // One array submission, or one submission per job, several at a time.
        var submissions = definition.JobArrays && count > 1 ? [count] : Enumerable.Repeat(1, count).ToArray();
        var refusals = new List<BatchCommandException>();
        await Parallel.ForEachAsync(
            submissions,
            new ParallelOptions { MaxDegreeOfParallelism = MaxConcurrentSubmissions, CancellationToken = cancellationToken },
            async (jobs, token) =>
            {
                var first = Interlocked.Add(ref _nextJobIndex, jobs) - jobs;
                var workerName = jobs == 1 ? definition.WorkerName(first) : definition.ArrayWorkerName(first);
                var script = definition.Render(address, workerName);
                IReadOnlyList<string> arguments = jobs == 1 ? [] : system.ArraySubmitArguments(jobs);
                try
                {
                    var result = await SubmitScriptAsync(definition, script, arguments, first, token).ConfigureAwait(false);
                    var submitted = SubmittedJobId.Parse(result.EnsureSuccess(), system, definition.CustomJobIdPattern);
                    var ids = jobs == 1 ? [submitted.Id] : system.ArrayTaskIds(submitted, jobs);
                    _jobs.AddSubmitted(ids, DateTimeOffset.UtcNow);
                    Logger.LogInformation("Submitted job {Job}", submitted);
                }
                catch (BatchCommandException exception)
                {
                    lock (refusals)
                    {
                        refusals.Add(exception);
                    }

                    _jobs.AddRefused(exception.Message, DateTimeOffset.UtcNow);
                }
            }).ConfigureAwait(false);

        if (refusals.Count > 0)
        {
            Fail(refusals[0]);
            if (throwRefusals)
            {
                throw refusals[0];
            }
        }
    }

    private Task<CommandResult> SubmitScriptAsync(JobDefinition definition, string script, IReadOnlyList<string> arguments, int jobIndex, CancellationToken cancellationToken)
    {
        var system = definition.System;
        return system.ScriptFileArguments(definition.JobName) is { } fileArguments
            ? SubmitFileAsync(fileArguments)
            : _commands.RunAsync(system.SubmitCommand, arguments, script, cancellationToken);

        async Task<CommandResult> SubmitFileAsync(IReadOnlyList<string> fileArguments)
        {
            // Run from the log directory, where a Torque-style qsub writes the job's output.
            var path = $"{definition.ScriptDirectory}/{definition.JobName}-{definition.Id}-{jobIndex}.sh";
            await _commands.WriteFileAsync(path, script, cancellationToken).ConfigureAwait(false);
            return await _commands.RunAsync(system.SubmitCommand, [.. arguments, .. fileArguments, path], null, cancellationToken, definition.ScriptDirectory).ConfigureAwait(false);
        }
    }

    private void Fail(Exception exception)
    {
        Logger.LogWarning("Submitting jobs failed: {Reason}", exception.Message);
        lock (_gate)
        {
            _workersCannotStart.TrySetException(exception);
        }
    }

    /// <summary>Cancels <paramref name="ids"/> with one command; jobs the batch system says are gone already are fine.</summary>
    private async Task CancelJobsAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return;
        }

        var system = Definition.System;
        var result = await _commands.RunAsync(system.CancelCommand, ids, null, cancellationToken).ConfigureAwait(false);
        var complaints = (result.StandardOutput + "\n" + result.StandardError)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => !system.GoneJobMessage.IsMatch(line));
        if (result.ExitCode != 0 && complaints.Any())
        {
            result.EnsureSuccess();
        }

        Logger.LogInformation("Cancelled jobs {Jobs}", string.Join(' ', ids));
        _wake.Release();
    }

    private void EnsureExitHandler()
    {
        lock (_gate)
        {
            if (!_exitHandlerRegistered)
            {
                AppDomain.CurrentDomain.ProcessExit += CancelJobsAtExit;
                _exitHandlerRegistered = true;
            }
        }
    }

    // Best effort when the program ends without disposing the cluster. Not on Ctrl+C alone: notebook kernels use it to interrupt a cell.
    private void CancelJobsAtExit(object? sender, EventArgs e)
    {
        try
        {
            CancelJobsAsync(_jobs.CancelAll(), CancellationToken.None).Wait(ExitCancelLimit);
        }
        catch (AggregateException)
        {
            // The process is ending; there is no one left to tell.
        }
    }

    private Dictionary<string, IReadOnlyList<string>> WorkersByJob() =>
        Workers.Where(worker => worker.JobId.Length > 0)
            .GroupBy(worker => worker.JobId)
            .ToDictionary(group => group.Key, group => (IReadOnlyList<string>)group.Select(worker => worker.Name).ToArray());
}
