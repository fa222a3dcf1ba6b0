using JobQueue.Jobs;

namespace JobQueue.Tests.BatchSystems;

/// <summary>The job bookkeeping that decides what a scale-down removes and how a job that vanished ended.</summary>
public sealed class JobTableTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Scaling_down_drops_jobs_without_workers_first_then_retires_the_newest()
    {
        var table = new JobTable();
        table.AddSubmitted(["1", "2", "3", "4"], Start);
        var workers = Workers(("1", "a-1"), ("3", "a-3"), ("4", "a-4"));

        var (cancel, retire) = table.ChooseForRemoval(2, workers);

        Assert.Equal(["2"], cancel);
        Assert.Equal(["4"], retire);
        Assert.Equal(2, table.LiveCount);
        Assert.Equal(["4"], table.TakeRetiredWithoutWorkers(Workers(("1", "a-1"), ("3", "a-3"))));
        Assert.Empty(table.TakeRetiredWithoutWorkers(Workers()));
    }

    [Fact]
    public void A_job_the_batch_system_stopped_listing_ended_as_far_as_the_cluster_knows()
    {
        var table = new JobTable();
        table.AddSubmitted(["worked", "never-started"], Start);
        table.WorkerConnected("worked", Start.AddSeconds(1));
        var pollStarted = Start.AddSeconds(2);
        table.AddSubmitted(["submitted-during-the-poll"], pollStarted.AddSeconds(1));

        var ended = table.ApplyPoll([], listsEndedJobs: false, pollStarted, Workers(), pollStarted.AddSeconds(2));

        Assert.Equal([("worked", JobState.Completed), ("never-started", JobState.Failed)], ended.Select(job => (job.Id, job.State)));
        Assert.True(table.EndedWithoutWorkers("never-started"));
        Assert.False(table.EndedWithoutWorkers("worked"));
        Assert.Equal(["submitted-during-the-poll"], table.UnfinishedIds);
    }

    [Fact]
    public void Jobs_the_cluster_cancelled_end_Cancelled_even_where_a_vanished_job_would_be_lost()
    {
        var table = new JobTable();
        table.AddSubmitted(["1", "2"], Start);
        table.WorkerConnected("1", Start.AddSeconds(1));

        Assert.Equal(["1", "2"], table.CancelAll());
        var ended = table.ApplyPoll([], listsEndedJobs: true, Start.AddSeconds(2), Workers(), Start.AddSeconds(2));

        Assert.All(ended, job => Assert.Equal(JobState.Cancelled, job.State));
        Assert.False(table.EndedWithoutWorkers("2"));
    }

    [Fact]
    public void Where_ended_jobs_stay_listed_one_that_vanished_unseen_is_lost_and_a_worker_shows_a_job_running_before_the_poll_does()
    {
        var table = new JobTable();
        table.AddSubmitted(["1", "2"], Start);
        table.WorkerConnected("2", Start.AddSeconds(1));

        var ended = table.ApplyPoll([new JobStatus("2", JobState.Pending)], listsEndedJobs: true, Start.AddSeconds(2), Workers(("2", "a-2")), Start.AddSeconds(2));

        Assert.Equal(JobState.Lost, Assert.Single(ended).State);
        Assert.Equal(JobState.Running, table.Snapshot(Workers()).Single(job => job.Id == "2").State);
    }

    private static Dictionary<string, IReadOnlyList<string>> Workers(params (string Job, string Worker)[] workers) =>
        workers.GroupBy(pair => pair.Job).ToDictionary(group => group.Key, group => (IReadOnlyList<string>)group.Select(pair => pair.Worker).ToArray());
}
