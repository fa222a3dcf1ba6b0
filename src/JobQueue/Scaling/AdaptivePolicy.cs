namespace JobQueue.Scaling;

/// <summary>The adaptive policy's bounds in whole jobs, and its pace.</summary>
internal sealed record AdaptLimits(
    int MinJobs, int MaxJobs, int WorkersPerJob, int ThreadsPerWorker, int WaitCount,
    TimeSpan TargetDuration, TimeSpan IdleTimeout, int MaxPendingJobs, TimeSpan Interval);

/// <summary>What the cluster looks like at one decision.</summary>
/// <param name="Now">The decision's time (from the adaptive loop's clock).</param>
/// <param name="QueuedTasks">Tasks waiting for a worker.</param>
/// <param name="RunningTasks">Tasks held by workers.</param>
/// <param name="PendingJobs">Live jobs waiting in the queue (or just submitted).</param>
/// <param name="RunningJobs">Live running jobs.</param>
/// <param name="ObservedTaskDuration">Mean task duration seen since the last decision; null when no task finished.</param>
/// <param name="BusyJobs">Jobs with a worker that holds a task.</param>
/// <param name="StartFailures">Jobs so far that ended (or were refused) before any worker connected.</param>
internal sealed record AdaptSnapshot(
    DateTimeOffset Now, int QueuedTasks, int RunningTasks, TimeSpan? ObservedTaskDuration,
    int PendingJobs, IReadOnlyCollection<string> RunningJobs, IReadOnlyCollection<string> BusyJobs, int StartFailures);

/// <summary>
/// Decides how many jobs an adaptive cluster should have, from snapshots alone (no clock, no I/O): enough workers to
/// finish the backlog in about the target duration; pending jobs count as capacity and at most MaxPendingJobs wait at
/// once; fewer jobs only after WaitCount low recommendations in a row, and then only idle ones; after a job fails at
/// start, no new job for a doubling backoff.
/// </summary>
internal sealed class AdaptivePolicy(AdaptLimits limits)
{
    private const double DurationSmoothing = 0.3;
    private static readonly TimeSpan LongestBackoff = TimeSpan.FromMinutes(5);

    private readonly Dictionary<string, DateTimeOffset> _idleSince = [];
    private TimeSpan? _meanDuration;
    private int _lowInARow;
    private int _failuresSeen;
    private int _backoffs;
    private DateTimeOffset _backoffUntil = DateTimeOffset.MinValue;

    public AdaptLimits Limits => limits;

    public AdaptDecision Decide(AdaptSnapshot now)
    {
        if (now.ObservedTaskDuration is { } observed)
        {
            // Smoothed, so that one noisy sample does not move the target.
            _meanDuration = _meanDuration is { } mean ? (mean * (1 - DurationSmoothing)) + (observed * DurationSmoothing) : observed;
        }

        var idle = TrackIdleJobs(now);
        if (now.StartFailures > _failuresSeen)
        {
            _failuresSeen = now.StartFailures;
            var backoff = limits.Interval * Math.Pow(2, ++_backoffs);
            _backoffUntil = now.Now + (backoff < LongestBackoff ? backoff : LongestBackoff);
        }

        var current = now.PendingJobs + now.RunningJobs.Count;
        var wanted = WantedJobs(now);
        int target;
        string reason;
        if (wanted > current)
        {
            _lowInARow = 0;
            var room = Math.Max(0, limits.MaxPendingJobs - now.PendingJobs);
            if (now.Now < _backoffUntil)
            {
                (target, reason) = (current, $"{wanted} jobs wanted, but {_failuresSeen} job(s) failed before their workers started: backing off until {_backoffUntil:HH:mm:ss}");
            }
            else if (room == 0)
            {
                (target, reason) = (current, $"{wanted} jobs wanted; {now.PendingJobs} already wait in the queue (MaxPendingJobs = {limits.MaxPendingJobs})");
            }
            else
            {
                target = current + Math.Min(wanted - current, room);
                reason = $"{Backlog(now)}: {wanted} jobs wanted, {current} there (pending ones count), at most {limits.MaxPendingJobs} pending";
            }
        }
        else if (wanted < current)
        {
            _lowInARow++;
            if (_lowInARow < limits.WaitCount)
            {
                (target, reason) = (current, $"{Backlog(now)}: {wanted} jobs would do, {_lowInARow} of {limits.WaitCount} low recommendations in a row");
            }
            else
            {
                var removable = now.PendingJobs + idle.Count;
                target = Math.Max(wanted, current - removable);
                reason = target < current
                    ? $"{Backlog(now)}: {wanted} jobs would do; removing {current - target} queued or idle for {limits.IdleTimeout.TotalSeconds:0.#} s"
                    : $"{Backlog(now)}: {wanted} jobs would do, but no job is idle for {limits.IdleTimeout.TotalSeconds:0.#} s yet";
            }
        }
        else
        {
            _lowInARow = 0;
            (target, reason) = (current, $"{Backlog(now)}: {current} jobs are right");
        }

        return new AdaptDecision(now.Now, target, now.PendingJobs, now.RunningJobs.Count, now.QueuedTasks, now.RunningTasks, _meanDuration, reason)
        {
            IdleJobs = idle,
        };
    }

    private int WantedJobs(AdaptSnapshot now)
    {
        var work = now.QueuedTasks + now.RunningTasks;
        var threads = (double)limits.ThreadsPerWorker;
        var workers = work == 0 ? 0
            : _meanDuration is { } mean ? Math.Ceiling(work * mean.TotalSeconds / limits.TargetDuration.TotalSeconds / threads)
            : Math.Ceiling(work / threads);
        var jobs = Math.Ceiling(workers / limits.WorkersPerJob);
        return (int)Math.Clamp(jobs, limits.MinJobs, limits.MaxJobs);
    }

    private List<string> TrackIdleJobs(AdaptSnapshot now)
    {
        foreach (var gone in _idleSince.Keys.Except(now.RunningJobs).ToList())
        {
            _idleSince.Remove(gone);
        }

        var idle = new List<string>();
        foreach (var job in now.RunningJobs)
        {
            if (now.BusyJobs.Contains(job))
            {
                _idleSince.Remove(job);
                continue;
            }

            var since = _idleSince.TryGetValue(job, out var start) ? start : _idleSince[job] = now.Now;
            if (now.Now - since >= limits.IdleTimeout)
            {
                idle.Add(job);
            }
        }

        return idle;
    }

    private string Backlog(AdaptSnapshot now) =>
        $"{now.QueuedTasks} queued and {now.RunningTasks} running tasks{(_meanDuration is { } mean ? $" of about {mean.TotalMilliseconds:0} ms" : "")}";
}
