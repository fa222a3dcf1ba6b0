using JobQueue.JobScripts;

namespace JobQueue.Tests.JobScripts;

public sealed class MemoryFractionTests
{
    [Theory]
    [InlineData(1.5, 0.95, "LocalOptions.MemoryPauseFraction = 1.5 must be a fraction of the worker's memory limit above 0 and at most 1, or null to turn pausing off, e.g. MemoryPauseFraction = 0.8.")]
    [InlineData(0.8, 0.0, "LocalOptions.MemoryTerminateFraction = 0 must be a fraction of the worker's memory limit above 0 and at most 1, or null to turn restarting off, e.g. MemoryTerminateFraction = 0.95.")]
    [InlineData(0.9, 0.9, "LocalOptions.MemoryPauseFraction = 0.9 must be below LocalOptions.MemoryTerminateFraction = 0.9, so that a worker pauses before it is restarted, e.g. MemoryPauseFraction = 0.8 and MemoryTerminateFraction = 0.95.")]
    public void Fractions_out_of_range_are_refused_at_construction_naming_the_option(double pause, double terminate, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => new LocalCluster(new LocalOptions { MemoryPauseFraction = pause, MemoryTerminateFraction = terminate }));

        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_fractions_leave_the_job_script_as_it_was_and_others_reach_the_worker_command_line()
    {
        var defaults = TestClusters.Slurm(new SlurmOptions { Cores = 2, Memory = "2GB" }).JobScript();
        var changed = TestClusters.Slurm(new SlurmOptions { Cores = 2, Memory = "2GB", MemoryPauseFraction = null, MemoryTerminateFraction = 0.9 }).JobScript();

        Assert.DoesNotContain("--memory-", defaults.Replace("--memory-limit", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains(" --memory-pause-fraction off --memory-terminate-fraction 0.9 ", changed, StringComparison.Ordinal);
        var read = WorkerCommandLine.Parse(["--scheduler", "tcp://h:1", "--name", "w", "--nthreads", "1", "--memory-limit", "1GiB", "--death-timeout", "5", "--secret-file", "/s",
            "--memory-pause-fraction", "off", "--memory-terminate-fraction", "0.9"]);
        Assert.Equal(new MemoryFractions(null, 0.9), read.MemoryFractions);
    }

    [Fact]
    public void A_fraction_the_worker_cannot_read_is_refused_with_the_accepted_form()
    {
        var error = Assert.Throws<ArgumentException>(() => WorkerCommandLine.Parse(["--scheduler", "tcp://h:1", "--name", "w", "--nthreads", "1", "--memory-limit", "1GiB", "--death-timeout", "5", "--secret-file", "/s",
            "--memory-pause-fraction", "80%"]));

        Assert.Equal("Invalid worker command line: --memory-pause-fraction 80% must be a fraction above 0 and at most 1, or off, e.g. --memory-pause-fraction 0.8.", error.Message);
    }
}
