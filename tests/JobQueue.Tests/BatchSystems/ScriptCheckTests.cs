using JobQueue.Tests.JobScripts;

namespace JobQueue.Tests.BatchSystems;

/// <summary>Rendered scripts go through the real parsers: <c>sbatch --test-only</c> and <c>qsub -w v</c>.</summary>
[Collection(BatchSystemCollection.Name)]
public sealed class ScriptCheckTests
{
    private static readonly string[] Prologue = ["export OMP_NUM_THREADS=1"];

    [BatchSystemFact("sbatch")]
    public async Task Slurm_accepts_a_script_that_fits_the_local_cluster()
    {
        var cluster = Slurm(new SlurmOptions { Cores = 2, Memory = "1GB", Walltime = "00:10:00", JobExtraDirectives = ["--exclusive"] });

        var answer = await cluster.CheckJobScriptAsync();

        Assert.Matches(@"Job \d+ to start at", answer);
    }

    [BatchSystemFact("sbatch")]
    public async Task Slurm_accepts_memory_per_cpu_and_its_day_hour_walltime() =>
        Assert.Matches(@"Job \d+ to start at", await Slurm(new SlurmOptions
        {
            Cores = 2, Processes = 1, Memory = "1GiB", Walltime = "0-01:30", MemoryDirective = SlurmMemoryDirective.MemPerCpu,
        }).CheckJobScriptAsync());

    [BatchSystemFact("sbatch")]
    public async Task Slurm_refuses_an_unknown_partition_and_its_stderr_reaches_the_caller()
    {
        var cluster = Slurm(new SlurmOptions { Queue = "nosuchpartition", Cores = 1, Memory = "1GB" });

        var error = await Assert.ThrowsAsync<BatchCommandException>(() => cluster.CheckJobScriptAsync());

        Assert.Equal("sbatch --test-only", error.CommandLine);
        Assert.NotEqual(0, error.ExitCode);
        Assert.Contains("invalid partition", error.StandardError, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(error.StandardError.Trim(), error.Message);
    }

    [BatchSystemFact("sbatch")]
    public async Task Slurm_refuses_more_cores_than_the_node_has()
    {
        var cores = int.Parse(LocalBatchSystems.Fact("SLURM_CPUS")) * 4;
        var cluster = Slurm(new SlurmOptions { Cores = cores, Memory = "1GB" });

        var error = await Assert.ThrowsAsync<BatchCommandException>(() => cluster.CheckJobScriptAsync());

        Assert.Contains("Requested node configuration is not available", error.StandardError);
    }

    [BatchSystemFact("qsub")]
    public async Task Grid_Engine_accepts_a_script_with_slots_and_memory_per_slot()
    {
        var cluster = Sge(new SGEOptions
        {
            Cores = 2, Memory = "1GB", Walltime = "00:10:00", ParallelEnvironment = LocalBatchSystems.Fact("SGE_PE"), MemoryResource = "h_vmem",
            Shell = "/bin/bash",
        });

        var answer = await cluster.CheckJobScriptAsync();

        Assert.Contains("-pe smp 2", cluster.JobScript());
        Assert.Contains("#$ -l h_vmem=477M", cluster.JobScript());
        Assert.Contains("verification: found suitable queue(s)", answer);
    }

    [BatchSystemFact("qsub")]
    public async Task Grid_Engine_accepts_the_default_script() =>
        Assert.Contains("verification: found suitable queue(s)", await Sge(new SGEOptions { Cores = 1, Memory = "1GB" }).CheckJobScriptAsync());

    [BatchSystemFact("qsub")]
    public async Task Grid_Engine_refuses_an_unknown_queue_and_its_message_reaches_the_caller()
    {
        var cluster = Sge(new SGEOptions { Queue = "nosuch.q", Cores = 1, Memory = "1GB" });

        var error = await Assert.ThrowsAsync<BatchCommandException>(() => cluster.CheckJobScriptAsync());

        Assert.Equal("qsub -w v", error.CommandLine);
        Assert.NotEqual(0, error.ExitCode);
        Assert.Contains("nosuch.q", error.StandardOutput + error.StandardError);
    }

    [BatchSystemFact("qsub")]
    public async Task Grid_Engine_refuses_an_unknown_parallel_environment()
    {
        var cluster = Sge(new SGEOptions { Cores = 2, Memory = "1GB", ParallelEnvironment = "nosuchpe" });

        var error = await Assert.ThrowsAsync<BatchCommandException>(() => cluster.CheckJobScriptAsync());

        Assert.NotEqual(0, error.ExitCode);
    }

    private static SlurmCluster Slurm(SlurmOptions options) =>
        TestClusters.Slurm(options with { Queue = options.Queue ?? LocalBatchSystems.Fact("SLURM_PARTITION"), JobScriptPrologue = Prologue });

    private static SGECluster Sge(SGEOptions options)
    {
        LocalBatchSystems.UseGridEngine();
        return TestClusters.Sge(options with { Queue = options.Queue ?? LocalBatchSystems.Fact("SGE_QUEUE"), JobScriptPrologue = Prologue });
    }
}
