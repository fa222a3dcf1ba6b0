namespace JobQueue.Tests.JobScripts;

/// <summary>Every bad setting fails at construction with a message that names it and shows an accepted value.</summary>
public sealed class ValidationTests
{
    private static readonly SlurmOptions Valid = new() { Cores = 8, Memory = "24GB" };

    public static TheoryData<string, Func<object>, string> Errors => new()
    {
        { "Cores", () => TestClusters.Slurm(Valid with { Cores = 0 }), "SlurmOptions.Cores = 0 must be a whole number greater than 0, e.g. Cores = 8." },
        { "Cores", () => TestClusters.Slurm(Valid with { Cores = null }), "SlurmOptions.Cores is required: set Cores = 8, or cores: 8 in the slurm section of the configuration file." },
        { "Memory", () => TestClusters.Sge(new SGEOptions { Cores = 8 }), "SGEOptions.Memory is required: set Memory = \"24GB\", or memory: 24GB in the sge section of the configuration file." },
        { "Memory", () => TestClusters.Slurm(Valid with { Memory = "lots" }), "SlurmOptions.Memory = \"lots\" is not a memory size. Write a positive number with a unit, e.g. \"24GB\" (decimal units: kB, MB, GB, TB; binary units: KiB, MiB, GiB, TiB); a bare number means bytes." },
        { "Processes", () => TestClusters.Slurm(Valid with { Processes = 0 }), "SlurmOptions.Processes = 0 must be a whole number greater than 0, e.g. Processes = 2." },
        { "Processes", () => TestClusters.Slurm(Valid with { Processes = 3 }), "SlurmOptions.Processes = 3 must divide SlurmOptions.Cores = 8 so every worker gets the same threads, e.g. Processes = 4." },
        { "Walltime", () => TestClusters.Slurm(Valid with { Walltime = "soon" }), "SlurmOptions.Walltime = \"soon\" is not a time limit this batch system accepts. Use \"MM\", \"MM:SS\", \"HH:MM:SS\", \"D-HH\", \"D-HH:MM\" or \"D-HH:MM:SS\", e.g. \"02:30:00\" for two and a half hours." },
        { "Walltime", () => TestClusters.Sge(new SGEOptions { Cores = 1, Memory = "1GB", Walltime = "2h" }), "SGEOptions.Walltime = \"2h\" is not a time limit this batch system accepts. Use \"HH:MM:SS\", e.g. \"02:30:00\" for two and a half hours." },
        { "Walltime", () => TestClusters.Pbs(new PBSOptions { Cores = 1, Memory = "1GB", Walltime = "1-12" }), "PBSOptions.Walltime = \"1-12\" is not a time limit this batch system accepts. Use \"HH:MM:SS\", e.g. \"02:30:00\" for two and a half hours." },
        { "DeathTimeout", () => TestClusters.Slurm(Valid with { DeathTimeout = TimeSpan.Zero }), "SlurmOptions.DeathTimeout = 00:00:00 must be positive, e.g. DeathTimeout = TimeSpan.FromSeconds(60)." },
        { "CommandTimeout", () => TestClusters.Slurm(Valid with { CommandTimeout = TimeSpan.Zero }), "SlurmOptions.CommandTimeout = 00:00:00 must be positive and at most a day, e.g. CommandTimeout = TimeSpan.FromSeconds(60)." },
        { "CommandTimeout", () => TestClusters.Pbs(new PBSOptions { Cores = 1, Memory = "1GB", CommandTimeout = TimeSpan.FromDays(30) }), "PBSOptions.CommandTimeout = 30.00:00:00 must be positive and at most a day" },
        { "EnvExtra", () => TestClusters.Slurm(Valid with { EnvExtra = ["a"], JobScriptPrologue = ["b"] }), "SlurmOptions.EnvExtra is the old name of SlurmOptions.JobScriptPrologue; set only JobScriptPrologue." },
        { "Name", () => TestClusters.Slurm(Valid with { Name = "my cluster" }), "SlurmOptions.Name = \"my cluster\" must be a non-empty name without spaces, e.g. Name = \"chem\"." },
        { "Name", () => new LocalCluster(new LocalOptions { Name = "" }), "LocalOptions.Name = \"\" must be a non-empty name without spaces, e.g. Name = \"chem\"." },
        { "JobName", () => TestClusters.Slurm(Valid with { JobName = "two words" }), "SlurmOptions.JobName = \"two words\" must be a non-empty name without spaces, e.g. JobName = \"chem\"." },
        { "JobIdPattern", () => TestClusters.Slurm(Valid with { JobIdPattern = @"job (\d+" }), "SlurmOptions.JobIdPattern = \"job (\\d+\" is not a valid regular expression: " },
        { "JobIdPattern", () => TestClusters.Slurm(Valid with { JobIdPattern = @"job (\d+)" }), "SlurmOptions.JobIdPattern = \"job (\\d+)\" needs a group named id around the job id, e.g. \"Job <(?<id>\\d+)>\"." },
        { "TemplatePath", () => TestClusters.Slurm(Valid with { TemplatePath = "/nonexistent/slurm.sh.scriban" }), "SlurmOptions.TemplatePath = \"/nonexistent/slurm.sh.scriban\" does not exist; copy one of the templates/*.sh.scriban files of JobQueue and point TemplatePath at it." },
        { "TemplatePath", () => TestClusters.Slurm(Valid with { TemplatePath = Template("{{ shebang }}\n{{ if queue }}\nnever closed\n") }), "The job-script template " },
        { "TemplatePath", () => TestClusters.Slurm(Valid with { TemplatePath = Template("{{ shebang }}\n{{ partition }}\n") }), "The job-script template " },
        { "JobCpu", () => TestClusters.Slurm(Valid with { JobCpu = -1 }), "SlurmOptions.JobCpu = -1 must be a whole number greater than 0, e.g. JobCpu = 8." },
        { "JobMem", () => TestClusters.Slurm(Valid with { JobMem = "30 G" }), "SlurmOptions.JobMem = \"30 G\" must be a Slurm memory amount without spaces, e.g. JobMem = \"30G\"." },
        { "Workers", () => new LocalCluster(new LocalOptions { Workers = 0 }), "LocalOptions.Workers = 0 must be a whole number greater than 0, e.g. Workers = 2." },
        { "ThreadsPerWorker", () => new LocalCluster(new LocalOptions { ThreadsPerWorker = -2 }), "LocalOptions.ThreadsPerWorker = -2 must be a whole number greater than 0, e.g. ThreadsPerWorker = 1." },
        { "MemoryLimit", () => new LocalCluster(new LocalOptions { MemoryLimit = "plenty" }), "LocalOptions.MemoryLimit = \"plenty\" is not a memory size." },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public void Bad_settings_fail_at_construction_naming_the_option(string option, Func<object> construct, string messageStart)
    {
        var error = Assert.ThrowsAny<ArgumentException>(construct);

        Assert.Equal(option, error.ParamName);
        Assert.StartsWith(messageStart, error.Message);
    }

    [Fact]
    public void A_template_that_uses_an_unknown_value_lists_the_values_there_are()
    {
        var error = Assert.Throws<ArgumentException>(() => TestClusters.Slurm(Valid with { TemplatePath = Template("{{ shebang }}\n{{ partition }}\n") }));

        Assert.Contains("partition", error.Message);
        Assert.Contains("Available values: account, cores, cpusPerTask, epilogue, jobName, logDirectory, memoryRequest, name, processes, prologue, queue, shebang, walltime, workerCommand.", error.Message);
    }

    [Fact]
    public void Valid_settings_need_only_cores_and_memory_and_run_no_command()
    {
        var cluster = TestClusters.Slurm(new SlurmOptions { Cores = 2, Memory = "4GB", CommandDirectory = "/nonexistent" });

        Assert.Equal("jobqueue-worker", cluster.Name);
        Assert.Contains("#SBATCH --cpus-per-task=2", cluster.JobScript());
    }

    private static string Template(string text)
    {
        var path = Path.Combine(Path.GetTempPath(), $"jobqueue-test-{Guid.NewGuid():N}.sh.scriban");
        File.WriteAllText(path, text);
        return path;
    }
}
