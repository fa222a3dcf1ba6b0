using JobQueue.Tests.Coordination;
using static JobQueue.Tests.BatchSystems.TestClusterFactory;

namespace JobQueue.Tests.BatchSystems;

/// <summary>Adaptive scaling on real Slurm: jobs only while there is work, within the bounds.</summary>
[Collection(BatchSystemCollection.Name)]
public sealed class AdaptiveOnSlurmTests
{
    [BatchSystemFact("sbatch")]
    public async Task Adapt_0_to_4_submits_nothing_for_an_empty_queue_scales_up_for_a_map_within_the_bounds_and_back_to_0_when_idle()
    {
        await using var cluster = Create(TestBatchSystem.Slurm);
        const int maxPending = 2;
        await using var adaptive = cluster.Adapt(min: 0, max: 4, interval: TimeSpan.FromSeconds(0.5), idleTimeout: TimeSpan.FromSeconds(5), maxPendingJobs: maxPending);

        // Several decisions on an empty queue: none submits a job.
        var first = await DecisionAsync(adaptive, after: DateTimeOffset.MinValue);
        var later = await DecisionAsync(adaptive, after: first.At.AddSeconds(2));
        Assert.Equal(0, later.TargetJobs);
        Assert.Empty(cluster.Jobs);
        Assert.Contains("adapting between 0 and 4 jobs", cluster.ToString());

        using var watching = new CancellationTokenSource();
        var (mostWorkers, mostPending) = (0, 0);
        var watch = Task.Run(async () =>
        {
            while (!watching.IsCancellationRequested)
            {
                mostWorkers = Math.Max(mostWorkers, cluster.Workers.Count);
                mostPending = Math.Max(mostPending, cluster.Jobs.Count(job => job.State is JobState.Submitted or JobState.Pending));
                await Task.Delay(50);
            }
        });
        var results = await cluster.Gather(cluster.Map(x =>
        {
            Thread.Sleep(200);
            return x + 1;
        }, Enumerable.Range(0, 200))).WaitAsync(TimeSpan.FromMinutes(3));
        await watching.CancelAsync();
        await watch;

        Assert.Equal(Enumerable.Range(1, 200), results);
        Assert.InRange(mostWorkers, 2, 4);
        Assert.InRange(mostPending, 1, maxPending);
        Assert.InRange(cluster.Jobs.Count, 2, 20);
        await Eventually.HoldsAsync(() => cluster.Jobs.All(job => job.HasEnded), TimeSpan.FromSeconds(90), "every job ended after the idle timeout");
        Assert.Equal(0, adaptive.LastDecision!.TargetJobs);
        Assert.All(cluster.Jobs, job => Assert.NotEqual(JobState.Failed, job.State));

        // Scale after Adapt stops adapting, as in dask.
        cluster.Scale(0);
        await Eventually.HoldsAsync(() => !adaptive.IsRunning, Deadline, "adapting stopped");
        Assert.DoesNotContain("adapting", cluster.ToString());
    }

    [BatchSystemFact("sbatch")]
    public async Task Jobs_that_fail_at_start_make_it_back_off_and_say_why_instead_of_resubmitting_at_once()
    {
        await using var cluster = Create(TestBatchSystem.Slurm, options => options with { JobScriptPrologue = ["exit 3"] });
        await using var adaptive = cluster.Adapt(min: 0, max: 4, interval: TimeSpan.FromSeconds(0.5), maxPendingJobs: 2);

        var map = cluster.Map(x => x + 1, Enumerable.Range(0, 10));
        // The decision, and the cluster's summary line, say why no job is submitted.
        await Eventually.HoldsAsync(() => cluster.ToString().Contains("failed before their workers started: backing off until"), Deadline, "a decision to back off");

        var report = await Assert.ThrowsAsync<WorkersDidNotStartException>(() => cluster.WaitForWorkersAsync(1, Deadline));
        Assert.Equal(3, report.Job.ExitCode);
        Assert.All(cluster.Jobs, job => Assert.Empty(job.Workers));
        Assert.All(map, future => Assert.Equal(FutureStatus.Pending, future.Status));
    }

    private static async Task<AdaptDecision> DecisionAsync(Adaptive adaptive, DateTimeOffset after)
    {
        await Eventually.HoldsAsync(() => adaptive.LastDecision is { } decision && decision.At > after, Deadline, $"a decision after {after:HH:mm:ss}");
        return adaptive.LastDecision!;
    }
}
