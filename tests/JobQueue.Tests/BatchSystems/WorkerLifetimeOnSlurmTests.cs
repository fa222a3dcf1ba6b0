using JobQueue.Tests.Coordination;
using static JobQueue.Tests.BatchSystems.TestClusterFactory;

namespace JobQueue.Tests.BatchSystems;

/// <summary>Workers that reach their job's walltime leave gracefully, and Scale(n) replaces their jobs, on real Slurm.</summary>
[Collection(BatchSystemCollection.Name)]
public sealed class WorkerLifetimeOnSlurmTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("jobqueue-lifetime-slurm-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [BatchSystemFact("sbatch")]
    public async Task With_a_walltime_of_one_minute_a_map_of_several_minutes_completes_once_per_task_while_workers_expire_and_are_replaced()
    {
        await using var cluster = Create(TestBatchSystem.Slurm, options => options with { Walltime = "00:01:00" });
        var executions = Directory.CreateDirectory(Path.Combine(_directory, "executions")).FullName;
        const int count = 200;

        cluster.Scale(2);
        // Two workers doing a task a second: about 100 s of work, so every worker reaches its lifetime (48-54 s) at least once.
        var map = cluster.Map(
            x =>
            {
                ExecutionRecords.Record(executions, x, "");
                Thread.Sleep(1000);
                return x * 3;
            },
            Enumerable.Range(0, count),
            new MapOptions { AllowedFailures = 1 });
        var results = await cluster.Gather(map).WaitAsync(TimeSpan.FromMinutes(5));

        Assert.Equal(Enumerable.Range(0, count).Select(x => x * 3), results);
        Assert.Equal(Enumerable.Range(0, count), ExecutionRecords.Read(executions).Select(execution => execution.Item).Order());
        var jobs = cluster.Jobs;
        Assert.True(jobs.Count > 2, $"expired jobs were replaced: {jobs.Count} jobs submitted");
        var expired = jobs.Where(job => job.HasEnded).ToList();
        Assert.NotEmpty(expired);

        // Workers left before the walltime and exited cleanly: no job was killed at its time limit.
        Assert.All(expired, job => Assert.Equal((JobState.Completed, 0), (job.State, job.ExitCode)));
        cluster.Scale(0);
        await Eventually.HoldsAsync(() => cluster.Jobs.All(job => job.HasEnded), Deadline, "every job ended");
    }
}
