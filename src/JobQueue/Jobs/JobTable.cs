namespace JobQueue.Jobs;

/// <summary>
/// Every job a cluster submitted, in submission order, and what it knows of each: the last state its batch system
/// reported, whether its workers connected, whether the cluster cancelled or is retiring it. Thread-safe.
/// </summary>
internal sealed class JobTable
{
    private readonly object _gate = new();
    private readonly List<Entry> _jobs = [];
    private readonly Dictionary<string, Entry> _byId = [];
    private int _refusals;

    /// <summary>Jobs that hold or wait for resources and are neither being cancelled nor retired: what a scale target counts.</summary>
    public int LiveCount
    {
        get
        {
            lock (_gate)
            {
                return _jobs.Count(job => job.IsLive);
            }
        }
    }

    /// <summary>Ids of the jobs that have not ended, including those being cancelled or retired.</summary>
    public IReadOnlyList<string> UnfinishedIds
    {
        get
        {
            lock (_gate)
            {
                return _jobs.Where(job => !job.HasEnded).Select(job => job.Id).ToArray();
            }
        }
    }

    /// <summary>Jobs refused at submission or ended before any of their workers connected, other than by the cluster's cancel.</summary>
    public int StartFailures
    {
        get
        {
            lock (_gate)
            {
                return _jobs.Count(job => job.HasEnded && !job.HadWorkers && !job.Cancelling);
            }
        }
    }

    /// <summary>Live jobs waiting in the queue, and live jobs running.</summary>
    public (int Pending, IReadOnlyList<string> Running) LiveByState()
    {
        lock (_gate)
        {
            var live = _jobs.Where(job => job.IsLive).ToList();
            return (live.Count(job => job.State != JobState.Running), live.Where(job => job.State == JobState.Running).Select(job => job.Id).ToArray());
        }
    }

    public void AddSubmitted(IEnumerable<string> ids, DateTimeOffset at)
    {
        lock (_gate)
        {
            foreach (var id in ids)
            {
                var entry = new Entry(id, at);
                _jobs.Add(entry);
                _byId[id] = entry;
            }
        }
    }

    /// <summary>A submission the batch system refused, listed as a failed job so that it shows in <see cref="JobQueueCluster.Jobs"/>.</summary>
    public JobInfo AddRefused(string reason, DateTimeOffset at)
    {
        lock (_gate)
        {
            var entry = new Entry($"refused-{++_refusals}", at) { State = JobState.Failed, EndedAt = at, Reason = reason, Refused = true };
            _jobs.Add(entry);
            _byId[entry.Id] = entry;
            return entry.Describe([]);
        }
    }

    /// <summary>A worker of job <paramref name="jobId"/> registered: the job runs, whatever the last poll said.</summary>
    public void WorkerConnected(string jobId, DateTimeOffset at)
    {
        lock (_gate)
        {
            if (_byId.TryGetValue(jobId, out var job))
            {
                job.HadWorkers = true;
                if (job.State is JobState.Submitted or JobState.Pending)
                {
                    job.State = JobState.Running;
                    job.StartedAt ??= at;
                }
            }
        }
    }

    /// <summary>
    /// Takes in one poll's statuses. A job submitted before the poll started that the batch system no longer lists has
    /// ended: it is <see cref="JobState.Lost"/> where <paramref name="listsEndedJobs"/> (the job should have been listed
    /// as ended first), else settled from what the cluster knows. Returns the jobs that ended with this poll.
    /// </summary>
    public IReadOnlyList<JobInfo> ApplyPoll(
        IReadOnlyList<JobStatus> listed, bool listsEndedJobs, DateTimeOffset pollStarted, IReadOnlyDictionary<string, IReadOnlyList<string>> workersByJob, DateTimeOffset now)
    {
        var statuses = listed.GroupBy(status => status.Id).ToDictionary(group => group.Key, group => group.Last());
        var ended = new List<JobInfo>();
        lock (_gate)
        {
            foreach (var job in _jobs.Where(job => !job.HasEnded))
            {
                var workers = workersByJob.GetValueOrDefault(job.Id) ?? [];
                if (statuses.TryGetValue(job.Id, out var status))
                {
                    job.LogId = status.LogId ?? job.LogId;
                    job.Reason = status.Reason ?? job.Reason;
                    if (status.State < JobState.Completed)
                    {
                        // A worker may have shown the job running before the batch system did.
                        job.State = job.State == JobState.Running ? JobState.Running : status.State;
                        if (job.State == JobState.Running)
                        {
                            job.StartedAt ??= now;
                        }

                        continue;
                    }

                    job.ExitCode = status.ExitCode;
                    job.State = status.State == JobState.Lost ? Settle(job) : status.State;
                }
                else if (job.SubmittedAt < pollStarted)
                {
                    job.State = listsEndedJobs && !job.Cancelling ? JobState.Lost : Settle(job);
                }
                else
                {
                    continue;
                }

                job.EndedAt = now;
                ended.Add(job.Describe(workers));
            }
        }

        return ended;
    }

    /// <summary>Whether the job ended before any of its workers connected, other than by the cluster's own cancel.</summary>
    public bool EndedWithoutWorkers(string id)
    {
        lock (_gate)
        {
            return _byId.TryGetValue(id, out var job) && job.HasEnded && !job.HadWorkers && !job.Cancelling && !job.Refused;
        }
    }

    /// <summary>
    /// Picks <paramref name="count"/> live jobs to remove: jobs without connected workers first (queued ones cost nothing
    /// to drop), then those in <paramref name="idleFirst"/>, then the newest. Those without workers are to be cancelled, the others retired.
    /// </summary>
    public (IReadOnlyList<string> Cancel, IReadOnlyList<string> Retire) ChooseForRemoval(
        int count, IReadOnlyDictionary<string, IReadOnlyList<string>> workersByJob, IReadOnlyCollection<string>? idleFirst = null)
    {
        lock (_gate)
        {
            var chosen = _jobs.Where(job => job.IsLive)
                .Select((job, order) => (Job: job, Order: order, HasWorkers: workersByJob.ContainsKey(job.Id)))
                .OrderBy(candidate => candidate.HasWorkers)
                .ThenByDescending(candidate => idleFirst?.Contains(candidate.Job.Id) == true)
                .ThenByDescending(candidate => candidate.Order)
                .Take(count)
                .ToList();
            foreach (var (job, _, hasWorkers) in chosen)
            {
                job.Cancelling |= !hasWorkers;
                job.Retiring |= hasWorkers;
            }

            return (chosen.Where(c => !c.HasWorkers).Select(c => c.Job.Id).ToArray(), chosen.Where(c => c.HasWorkers).Select(c => c.Job.Id).ToArray());
        }
    }

    /// <summary>Retired jobs whose workers have all left: cancelled now, so that no epilogue or stuck process keeps them.</summary>
    public IReadOnlyList<string> TakeRetiredWithoutWorkers(IReadOnlyDictionary<string, IReadOnlyList<string>> workersByJob)
    {
        lock (_gate)
        {
            var done = _jobs.Where(job => job.Retiring && !job.Cancelling && !job.HasEnded && !workersByJob.ContainsKey(job.Id)).ToList();
            done.ForEach(job => job.Cancelling = true);
            return done.Select(job => job.Id).ToArray();
        }
    }

    /// <summary>Marks every unfinished job as being cancelled and returns their ids.</summary>
    public IReadOnlyList<string> CancelAll()
    {
        lock (_gate)
        {
            var unfinished = _jobs.Where(job => !job.HasEnded).ToList();
            unfinished.ForEach(job => job.Cancelling = true);
            return unfinished.Select(job => job.Id).ToArray();
        }
    }

    public IReadOnlyList<JobInfo> Snapshot(IReadOnlyDictionary<string, IReadOnlyList<string>> workersByJob)
    {
        lock (_gate)
        {
            return _jobs.Select(job => job.Describe(workersByJob.GetValueOrDefault(job.Id) ?? [])).ToArray();
        }
    }

    /// <summary>The job and the id its log files are named by.</summary>
    public (JobInfo Job, string LogId)? Find(string id)
    {
        lock (_gate)
        {
            return _byId.TryGetValue(id, out var job) && !job.Refused ? (job.Describe([]), job.LogId) : null;
        }
    }

    // An ended job whose batch system did not say how it ended.
    private static JobState Settle(Entry job) =>
        job.Cancelling ? JobState.Cancelled
        : job.HadWorkers ? JobState.Completed
        : JobState.Failed;

    private sealed class Entry(string id, DateTimeOffset submittedAt)
    {
        public string Id { get; } = id;
        public DateTimeOffset SubmittedAt { get; } = submittedAt;
        public JobState State { get; set; } = JobState.Submitted;
        public DateTimeOffset? StartedAt { get; set; }
        public DateTimeOffset? EndedAt { get; set; }
        public int? ExitCode { get; set; }
        public string? Reason { get; set; }
        public string LogId { get; set; } = id;
        public bool HadWorkers { get; set; }
        public bool Cancelling { get; set; }
        public bool Retiring { get; set; }
        public bool Refused { get; init; }

        public bool HasEnded => State >= JobState.Completed;
        public bool IsLive => !HasEnded && !Cancelling && !Retiring;

        public JobInfo Describe(IReadOnlyList<string> workers) => new(Id, State, workers, SubmittedAt, StartedAt, EndedAt, ExitCode, Reason);
    }
}
