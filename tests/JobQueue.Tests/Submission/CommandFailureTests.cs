using JobQueue.Tests.JobScripts;

namespace JobQueue.Tests.Submission;

public sealed class CommandFailureTests
{
    [Fact]
    public async Task A_missing_batch_command_is_an_error_that_names_it_and_where_it_was_looked_for()
    {
        var cluster = TestClusters.Slurm(new SlurmOptions { Cores = 1, Memory = "1GB", CommandDirectory = "/nonexistent/bin" });

        var error = await Assert.ThrowsAsync<BatchCommandException>(() => cluster.CheckJobScriptAsync());

        Assert.Null(error.ExitCode);
        Assert.StartsWith("sbatch could not be started: it was not found in /nonexistent/bin (CommandDirectory) or is not executable.", error.Message);
    }

    [Fact]
    public async Task PBS_says_it_cannot_check_a_script_without_queueing_it()
    {
        var cluster = TestClusters.Pbs(new PBSOptions { Cores = 1, Memory = "1GB" });

        var error = await Assert.ThrowsAsync<NotSupportedException>(() => cluster.CheckJobScriptAsync());

        Assert.StartsWith("PBS has no way to check a job script without queueing it", error.Message);
    }
}
