using JobQueue.JobScripts;

namespace JobQueue.Tests.JobScripts;

public sealed class ProcessesTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(4, 4)]
    [InlineData(6, 3)]
    [InlineData(7, 7)]
    [InlineData(8, 4)]
    [InlineData(9, 3)]
    [InlineData(12, 4)]
    [InlineData(16, 4)]
    [InlineData(24, 6)]
    [InlineData(32, 8)]
    [InlineData(36, 6)]
    public void Default_processes_follow_dasks_heuristic(int cores, int processes) =>
        Assert.Equal(processes, JobDefinition.DefaultProcesses(cores));

    [Fact]
    public void Each_process_gets_its_share_of_threads_and_memory()
    {
        var script = TestClusters.Slurm(new SlurmOptions { Cores = 24, Memory = "48GB", WorkerCommand = TestClusters.WorkerCommand }).JobScript();

        Assert.Contains(" --nthreads 4 --memory-limit 7.45GiB --nworkers 6 ", script, StringComparison.Ordinal);
    }

    [Fact]
    public void One_process_per_job_writes_no_nworkers()
    {
        var script = TestClusters.Slurm(new SlurmOptions { Cores = 8, Processes = 1, Memory = "16GB", WorkerCommand = TestClusters.WorkerCommand }).JobScript();

        Assert.Contains(" --nthreads 8 --memory-limit 14.90GiB --death-timeout 60 ", script, StringComparison.Ordinal);
        Assert.DoesNotContain("--nworkers", script, StringComparison.Ordinal);
    }
}
