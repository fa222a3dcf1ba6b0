using JobQueue.JobScripts;
using JobQueue.Submission;
using Microsoft.Extensions.Logging;

namespace JobQueue.Jobs;

/// <summary>
/// The batch jobs of one cluster: brings their number to the target in the background (submitting, several at a
/// time or as one array, and cancelling: queued jobs first, busy workers drained), follows their states with one
/// status command per poll, tells why jobs that ended before their workers came failed, and cancels them all at the end.
/// </summary>
internal sealed class JobSupervisor(JobCommands batch, TimeSpan statusInterval, IJobWorkers workers, ILogger logger)
    : IAsyncDisposable
{
    private const int MaxConcurrentSubmissions = 8;
    private const int DiagnosisLogLines = 20;
    private static readonly TimeSpan ExitCancelLimit = TimeSpan.FromSeconds(10);

    private readonly JobTable _jobs = new();
    private readonly SemaphoreSlim _reconcileLock = new(1, 1);
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private Task _loop = Task.CompletedTask;
    private int _targetJobs;
    private TaskCompletionSource _workersCannotStart = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _exitHandlerRegistered;
    private IReadOnlyCollection<string> _idleJobs = [];

    /// <summary>The resolved settings; over SSH, re-resolved with the remote home directory once submitting starts.</summary>
    public JobDefinition Definition => batch.Definition;

    /// <summary>Every job submitted, oldest first, with its state and connected workers.</summary>
    public IReadOnlyList<JobInfo> Jobs => _jobs.Snapshot(WorkersByJob());

    /// <summary>Faults when a submission was refused or a job ended before its workers came, until the next target.</summary>
    public Task WorkersCannotStart
    {
        get
        {
            lock (_gate)
            {
                return _workersCannotStart.Task;
            }
        }
    }

    /// <summary>Queued and running jobs, the running ones' ids, and how many jobs failed to start: what adaptive scaling weighs.</summary>
    public (int Pending, IReadOnlyCollection<string> Running, int StartFailures) Counts()
    {
        var (pending, running) = _jobs.LiveByState();
        return (pending, running, _jobs.StartFailures);
    }

    /// <summary>A worker of job <paramref name="jobId"/> registered.</summary>
    public void WorkerConnected(string jobId) => _jobs.WorkerConnected(jobId, DateTimeOffset.UtcNow);

    /// <summary>Looks at the jobs now rather than at the next poll (a worker left, say).</summary>
    public void Wake() => _wake.Release();

    /// <summary>
    /// Sets how many jobs there should be, and starts following them; <paramref name="idleJobs"/> are the ones to
    /// remove first when there are too many. An explicit target forgets earlier failures.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The cluster is being disposed.</exception>
    public void SetTarget(int jobs, IReadOnlyCollection<string> idleJobs)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
            _targetJobs = jobs;
            _idleJobs = idleJobs;

            // The user's (or the adaptive loop's) next attempt: earlier failures no longer stop submissions.
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

    /// <summary>Whether the jobs are already being brought to <paramref name="jobs"/> (or the cluster is ending).</summary>
    public bool IsFollowing(int jobs)
    {
        lock (_gate)
        {
            return _stopping.IsCancellationRequested || (_targetJobs == jobs && _loop is { IsCompleted: false });
        }
    }

    /// <summary>Cancels every job with one command, and over SSH removes the secret file there; call it once <see cref="StopAsync"/> has returned.</summary>
    public async Task CancelAllAsync()
    {
        try
        {
            await CancelJobsAsync(_jobs.CancelAll(), CancellationToken.None).ConfigureAwait(false);
        }
        catch (BatchCommandException exception)
        {
            logger.LogError("Could not cancel the cluster's jobs: {Reason}", exception.Message);
        }

        await batch.DeleteRemoteSecretAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        lock (_gate)
        {
            if (_exitHandlerRegistered)
            {
                AppDomain.CurrentDomain.ProcessExit -= CancelJobsAtExit;
                _exitHandlerRegistered = false;
            }
        }

        await batch.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    /// <summary>What job <paramref name="jobId"/> wrote to its standard output and error so far, from the log directory (over SSH too).</summary>
    /// <exception cref="ArgumentException">This cluster submitted no job <paramref name="jobId"/>.</exception>
    public async Task<JobLog> GetLogAsync(string jobId, CancellationToken cancellationToken = default)
    {
        var (_, logId) = _jobs.Find(jobId)
            ?? throw new ArgumentException($"This cluster submitted no job {jobId}; its jobs are listed in Jobs.", nameof(jobId));
        return await batch.ReadLogAsync(jobId, logId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>What the user should know when workers do not come.</summary>
    public string DescribeMissingWorkers()
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

    /// <summary>Stops following the jobs; the jobs stay.</summary>
    public async Task StopAsync()
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

    private async Task RunLoopAsync()
    {
        var stopping = _stopping.Token;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await PollOrKeepStatesAsync(stopping).ConfigureAwait(false);
                await ReconcileAsync(throwRefusals: false, stopping).ConfigureAwait(false);
                await _wake.WaitAsync(statusInterval, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is BatchCommandException or FormatException or IOException)
            {
                logger.LogWarning("Following the jobs failed, retrying in {Seconds} s: {Reason}", statusInterval.TotalSeconds, exception.Message);
                await Task.Delay(statusInterval, stopping).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
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
            logger.LogWarning("Asking the batch system for the jobs' states failed; they keep the states last seen: {Reason}", exception.Message);
        }
    }

    private async Task PollAsync(CancellationToken cancellationToken)
    {
        var ids = _jobs.UnfinishedIds;
        if (ids.Count == 0)
        {
            return;
        }

        var started = DateTimeOffset.UtcNow;
        var states = await batch.StatusAsync(ids, cancellationToken).ConfigureAwait(false);
        var ended = _jobs.ApplyPoll(states, Definition.System.ListsEndedJobs, started, WorkersByJob(), DateTimeOffset.UtcNow);
        foreach (var job in ended)
        {
            logger.LogInformation("Job {Job} ended: {State}{Exit}", job.Id, job.State, job.ExitCode is { } code ? $", exit code {code}" : "");
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
            var log = await GetLogAsync(job.Id, cancellationToken).ConfigureAwait(false);
            tail = log.StandardOutput is null && log.StandardError is null
                ? $"(no log: {(log.Paths.Count == 0 ? "LogDirectory is empty, so the batch system's default place was used" : $"{string.Join(" and ", log.Paths)} do not exist")})"
                : log.Tail(DiagnosisLogLines);
        }
        catch (BatchCommandException exception)
        {
            tail = $"(the log could not be read: {exception.Message})";
        }

        var failure = new WorkersDidNotStartException(job, tail);
        logger.LogWarning("{Message}", failure.Message);
        lock (_gate)
        {
            _workersCannotStart.TrySetException(failure);
        }
    }

    /// <summary>Submits or cancels jobs until their number meets the target; with <paramref name="throwRefusals"/>, a refused submission throws.</summary>
    public async Task ReconcileAsync(bool throwRefusals, CancellationToken cancellationToken)
    {
        await _reconcileLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            JobDefinition definition;
            try
            {
                definition = await batch.PrepareAsync(cancellationToken).ConfigureAwait(false);
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
                workers.Drain(retire);
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
        var (address, _) = workers.StartCoordinator();

        // One array submission, or one submission per job, several at a time.
        var submissions = definition.JobArrays && count > 1 ? [count] : Enumerable.Repeat(1, count).ToArray();
        var refusals = new List<BatchCommandException>();
        await Parallel.ForEachAsync(
            submissions,
            new ParallelOptions { MaxDegreeOfParallelism = MaxConcurrentSubmissions, CancellationToken = cancellationToken },
            async (jobs, token) =>
            {
                try
                {
                    var (submitted, ids) = await batch.SubmitAsync(definition, address, jobs, token).ConfigureAwait(false);
                    _jobs.AddSubmitted(ids, DateTimeOffset.UtcNow);
                    logger.LogInformation("Submitted job {Job}", submitted);
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

    private void Fail(Exception exception)
    {
        logger.LogWarning("Submitting jobs failed: {Reason}", exception.Message);
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

        await batch.CancelAsync(ids, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Cancelled jobs {Jobs}", string.Join(' ', ids));
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
        workers.Workers.Where(worker => worker.JobId.Length > 0)
            .GroupBy(worker => worker.JobId)
            .ToDictionary(group => group.Key, group => (IReadOnlyList<string>)group.Select(worker => worker.Name).ToArray());
}
