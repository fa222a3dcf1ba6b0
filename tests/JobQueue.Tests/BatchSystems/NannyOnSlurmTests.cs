using System.Diagnostics;
using System.Globalization;
using JobQueue.Tests.Coordination;
using static JobQueue.Tests.BatchSystems.TestClusterFactory;

namespace JobQueue.Tests.BatchSystems;

/// <summary>The WorkerHost at the head of every batch job is a nanny: a worker that dies comes back in the same job.</summary>
[Collection(BatchSystemCollection.Name)]
public sealed class NannyOnSlurmTests
{
    [BatchSystemFact("sbatch")]
    public async Task A_SIGKILLed_worker_of_a_2_process_job_comes_back_in_the_same_job()
    {
        await using var cluster = Create(TestBatchSystem.Slurm, options => options with { Cores = 2, Processes = 2 });
        cluster.Scale(2);
        await cluster.WaitForWorkersAsync(2, Deadline);
        var job = Assert.Single(cluster.Jobs);
        var victim = cluster.Workers.OrderBy(worker => worker.Name).First();

        using (var kill = Process.Start("kill", ["-KILL", victim.ProcessId.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        await Eventually.HoldsAsync(
            () => cluster.Workers.Any(worker => worker.Name == victim.Name && worker.ProcessId != victim.ProcessId),
            Deadline, $"{victim.Name} registered again from a new process");
        var back = cluster.Workers.Single(worker => worker.Name == victim.Name);
        Assert.Equal(job.Id, back.JobId);
        Assert.Equal(2, cluster.Workers.Count);
        Assert.Equal(job.Id, Assert.Single(cluster.Jobs).Id);
        Assert.Equal(11, await cluster.Submit(() => 10 + 1));

        cluster.Scale(0);
        await Eventually.HoldsAsync(() => cluster.Jobs.All(job => job.HasEnded), Deadline, "every job ended");
        await AssertBatchSystemListsNoneAsync(TestBatchSystem.Slurm, [job.Id]);
    }
}
