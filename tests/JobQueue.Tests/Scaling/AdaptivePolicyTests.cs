using JobQueue.Scaling;
using JobQueue.Tests.JobScripts;

namespace JobQueue.Tests.Scaling;

/// <summary>The adaptive policy over scripted timelines: each decision gets a snapshot at a scripted time, no clock runs.</summary>
public sealed class AdaptivePolicyTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static AdaptLimits Limits(int minJobs = 0, int maxJobs = 8, int maxPending = 4, int waitCount = 3, double idleSeconds = 10) =>
        new(minJobs, maxJobs, WorkersPerJob: 1, ThreadsPerWorker: 1, waitCount, TargetDuration: TimeSpan.FromSeconds(5),
            IdleTimeout: TimeSpan.FromSeconds(idleSeconds), MaxPendingJobs: maxPending, Interval: TimeSpan.FromSeconds(1));

    private static AdaptSnapshot At(
        double seconds, int queued = 0, int running = 0, double? durationMs = null, int pending = 0, string[]? runningJobs = null, string[]? busyJobs = null, int startFailures = 0) =>
        new(Start.AddSeconds(seconds), queued, running, durationMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null, pending, runningJobs ?? [], busyJobs ?? [], startFailures);

    private static string[] Jobs(int count) => Enumerable.Range(1, count).Select(i => $"j{i}").ToArray();

    [Fact]
    public void An_empty_queue_with_min_0_wants_no_job()
    {
        var decision = new AdaptivePolicy(Limits()).Decide(At(0));

        Assert.Equal(0, decision.TargetJobs);
        Assert.Contains("0 queued", decision.Reason);
    }

    [Fact]
    public void Noisy_task_durations_do_not_make_the_target_go_down_and_up_again()
    {
        var policy = new AdaptivePolicy(Limits());
        var random = new Random(42);
        var jobs = 4;
        var targets = new List<int>();
        for (var t = 0; t < 120; t++)
        {
            // A steady backlog whose tasks take 50 to 400 ms: the raw recommendation swings between 1 and 8 jobs.
            var decision = policy.Decide(At(t, queued: 40, running: jobs, durationMs: random.Next(50, 400), runningJobs: Jobs(jobs), busyJobs: Jobs(jobs)));
            jobs = decision.TargetJobs; // the batch system starts them at once
            targets.Add(jobs);
        }

        var changes = targets.Zip(targets.Skip(1)).Count(pair => pair.First != pair.Second);
        var decreases = targets.Zip(targets.Skip(1)).Count(pair => pair.Second < pair.First);
        Assert.Equal(0, decreases); // every job is busy, so none is removed
        Assert.InRange(changes, 0, 3);
    }

    [Fact]
    public void Pending_jobs_count_as_capacity_and_no_more_than_MaxPendingJobs_wait()
    {
        var policy = new AdaptivePolicy(Limits(maxPending: 2));

        // 4 tasks of unknown length want 4 jobs; 1 pending: 1 more may wait in the queue, not 4.
        Assert.Equal(2, policy.Decide(At(0, queued: 4, pending: 1)).TargetJobs);

        // 2 pending already: no submission, whatever the backlog.
        var held = policy.Decide(At(1, queued: 100, pending: 2));
        Assert.Equal(2, held.TargetJobs);
        Assert.Contains("MaxPendingJobs = 2", held.Reason);

        // Once they run, 2 more may queue.
        Assert.Equal(4, policy.Decide(At(2, queued: 100, runningJobs: Jobs(2))).TargetJobs);
    }

    [Fact]
    public void Jobs_that_fail_at_start_are_not_resubmitted_at_once_and_the_backoff_doubles()
    {
        var policy = new AdaptivePolicy(Limits());
        Assert.Equal(2, policy.Decide(At(0, queued: 2)).TargetJobs);

        // Both jobs failed before their workers came: the target holds at what is there (nothing) for 2 intervals.
        var backingOff = policy.Decide(At(1, queued: 2, startFailures: 2));
        Assert.Equal(0, backingOff.TargetJobs);
        Assert.Contains("failed before their workers started", backingOff.Reason);
        Assert.Equal(0, policy.Decide(At(2, queued: 2, startFailures: 2)).TargetJobs);
        Assert.Equal(2, policy.Decide(At(3, queued: 2, startFailures: 2)).TargetJobs);

        // A second failure: 4 intervals this time.
        Assert.Equal(0, policy.Decide(At(4, queued: 2, startFailures: 4)).TargetJobs);
        Assert.Equal(0, policy.Decide(At(7, queued: 2, startFailures: 4)).TargetJobs);
        Assert.Equal(2, policy.Decide(At(8, queued: 2, startFailures: 4)).TargetJobs);
    }

    [Fact]
    public void Only_jobs_idle_for_the_idle_timeout_are_removed_after_WaitCount_low_recommendations()
    {
        var policy = new AdaptivePolicy(Limits(idleSeconds: 10, waitCount: 3));
        var jobs = Jobs(3);

        // The work is done but one job's worker still finishes a task.
        var targets = Enumerable.Range(0, 31)
            .Select(t => policy.Decide(At(t, running: t < 20 ? 1 : 0, runningJobs: jobs, busyJobs: t < 20 ? ["j3"] : [])))
            .ToList();

        Assert.All(targets.Take(10), decision => Assert.Equal(3, decision.TargetJobs));
        Assert.Equal(1, targets[10].TargetJobs); // j1 and j2 idle for 10 s go; j3 works
        Assert.Equal(["j1", "j2"], targets[10].IdleJobs.Order());
        Assert.Contains("removing 2 queued or idle for 10 s", targets[10].Reason);
        Assert.Equal(1, targets[29].TargetJobs);
        Assert.Equal(0, targets[30].TargetJobs); // j3 idle since t = 20
    }

    [Fact]
    public void A_job_is_kept_while_only_WaitCount_minus_one_low_recommendations_came()
    {
        var policy = new AdaptivePolicy(Limits(idleSeconds: 0, waitCount: 3));

        Assert.Equal(2, policy.Decide(At(0, runningJobs: Jobs(2))).TargetJobs);
        Assert.Equal(2, policy.Decide(At(1, runningJobs: Jobs(2))).TargetJobs);
        Assert.Equal(2, policy.Decide(At(2, running: 2, runningJobs: Jobs(2), busyJobs: Jobs(2))).TargetJobs); // work came back: the count restarts
        Assert.Equal(2, policy.Decide(At(3, runningJobs: Jobs(2))).TargetJobs);
        Assert.Equal(2, policy.Decide(At(4, runningJobs: Jobs(2))).TargetJobs);
        Assert.Equal(0, policy.Decide(At(5, runningJobs: Jobs(2))).TargetJobs);
    }

    [Theory]
    [InlineData(5, 2, null, null, "min = 5 is more than max = 2")]
    [InlineData(0, 10, 3, 1, "minJobs = 3 is more than maxJobs = 1")]
    [InlineData(-1, 4, null, null, "min = -1")]
    public void Inconsistent_bounds_fail_at_the_call_naming_them(int min, int max, int? minJobs, int? maxJobs, string expected)
    {
        var cluster = TestClusters.Slurm(new SlurmOptions { Cores = 1, Memory = "1GB" });

        var error = Assert.Throws<ArgumentException>(() => cluster.Adapt(min: min, max: max, minJobs: minJobs, maxJobs: maxJobs));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Bounds_in_different_units_that_leave_no_job_count_fail_listing_them_all()
    {
        var cluster = TestClusters.Slurm(new SlurmOptions { Cores = 4, Processes = 2, Memory = "8GB" });

        var error = Assert.Throws<ArgumentException>(() => cluster.Adapt(minCores: 16, max: 4));

        Assert.Contains("the minimums need 4 jobs", error.Message);
        Assert.Contains("the maximums allow 2", error.Message);
        Assert.Contains("minCores = 16", error.Message);
    }
}
