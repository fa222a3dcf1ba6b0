namespace JobQueue.Tests.JobScripts;

/// <summary>Whole job scripts, compared line by line with the files in Baselines/.</summary>
public sealed class GoldenScriptTests
{
    private static readonly string[] Prologue = ["module load dotnet", "export OMP_NUM_THREADS=1"];

    public static TheoryData<string, Func<JobQueueCluster>> Scripts => new()
    {
        { "slurm_defaults", () => TestClusters.Slurm(new SlurmOptions { Cores = 8, Memory = "24GB", WorkerCommand = TestClusters.WorkerCommand }) },
        {
            "slurm_full", () => TestClusters.Slurm(new SlurmOptions
            {
                Queue = "regular", Account = "myproj", Walltime = "02:30:00", Cores = 8, Processes = 2, Memory = "24GB",
                JobExtraDirectives = ["--exclusive"], JobDirectivesSkip = [], JobScriptPrologue = Prologue, JobScriptEpilogue = ["echo done"],
                LogDirectory = "/scratch/me/logs", LocalDirectory = "$TMPDIR", JobName = "jobqueue-worker", Name = "chem",
                Shebang = "#!/bin/bash -l", WorkerExtraArgs = ["--extra", "two words"], DeathTimeout = TimeSpan.FromSeconds(90),
                Interface = "ib0", WorkerCommand = TestClusters.WorkerCommand, SharedTempDirectory = "/shared/me",
            })
        },
        {
            "slurm_mem_per_cpu_no_log_directory", () => TestClusters.Slurm(new SlurmOptions
            {
                Cores = 8, Memory = "24GB", MemoryDirective = SlurmMemoryDirective.MemPerCpu, LogDirectory = "", Walltime = "1-12",
                WorkerCommand = TestClusters.WorkerCommand,
            })
        },
        {
            "slurm_directives_skip_keeps_extras", () => TestClusters.Slurm(new SlurmOptions
            {
                Cores = 4, Memory = "8GiB", Account = "myproj", JobDirectivesSkip = ["--mem", "-A "],
                JobExtraDirectives = ["--mem-per-cpu=2G", "#SBATCH -A other"], WorkerCommand = TestClusters.WorkerCommand,
            })
        },
        { "sge_defaults", () => TestClusters.Sge(new SGEOptions { Cores = 8, Memory = "24GB", WorkerCommand = TestClusters.WorkerCommand }) },
        {
            "sge_full", () => TestClusters.Sge(new SGEOptions
            {
                Queue = "all.q", Project = "chemistry", ResourceSpec = "arch=lx-amd64", Walltime = "02:30:00", Cores = 8, Memory = "24GB",
                ParallelEnvironment = "smp", MemoryResource = "h_vmem", Shell = "/bin/bash", JobScriptPrologue = Prologue,
                LogDirectory = "~/logs", Name = "chem", WorkerCommand = TestClusters.WorkerCommand, SharedTempDirectory = "/shared/me",
            })
        },
        { "pbs_defaults", () => TestClusters.Pbs(new PBSOptions { Cores = 8, Memory = "24GB", WorkerCommand = TestClusters.WorkerCommand }) },
        {
            "pbs_full", () => TestClusters.Pbs(new PBSOptions
            {
                Queue = "workq", Account = "myproj", Walltime = "02:30:00", Cores = 36, Memory = "180GB", EnvExtra = Prologue,
                JobExtraDirectives = ["-m n"], LogDirectory = "/scratch/me/logs", Name = "chem", WorkerCommand = TestClusters.WorkerCommand,
                SharedTempDirectory = "/shared/me",
            })
        },
        {
            "pbs_resource_spec", () => TestClusters.Pbs(new PBSOptions
            {
                Cores = 8, Memory = "24GB", ResourceSpec = "nodes=1:ppn=8,mem=24gb", LogDirectory = "", WorkerCommand = TestClusters.WorkerCommand,
            })
        },
    };

    [Theory]
    [MemberData(nameof(Scripts))]
    public void Script_matches_its_baseline(string baseline, Func<JobQueueCluster> cluster)
    {
        var expected = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Baselines", baseline + ".sh"));

        Assert.Equal(expected, cluster().PortableScript());
    }

    [Fact]
    public void TemplatePath_replaces_the_built_in_template_and_keeps_the_shared_helpers()
    {
        var template = Path.Combine(Path.GetTempPath(), $"jobqueue-template-{Guid.NewGuid():N}.sh.scriban");
        File.WriteAllText(template, "#!/bin/sh\n{{ wrap directives }}\n--cpus-per-task={{ cpusPerTask }}\n--mem-bind=local\n{{ end ~}}\nsrun {{ workerCommand }}\n# {{ name }} {{ processes }}\n");
        try
        {
            var cluster = TestClusters.Slurm(new SlurmOptions
            {
                Cores = 4, Memory = "4GB", TemplatePath = template, JobDirectivesSkip = ["--mem-bind"], JobExtraDirectives = ["--gres=gpu:1"],
                WorkerCommand = TestClusters.WorkerCommand, SharedTempDirectory = "/shared",
            });

            Assert.Equal(
                "#!/bin/sh\n#SBATCH --cpus-per-task=4\n#SBATCH --gres=gpu:1\n" +
                $"srun {TestClusters.WorkerCommand} --scheduler tcp://COORDINATOR:PORT --name jobqueue-worker-0 --job-id \"$SLURM_JOB_ID\" --nthreads 1 --memory-limit 0.93GiB --nworkers 4 --death-timeout 60 --lifetime 1620 --lifetime-stagger 180 --secret-file /shared/secrets/{cluster.Definition.Id}.secret\n" +
                "# jobqueue-worker 4\n",
                cluster.JobScript());
        }
        finally
        {
            File.Delete(template);
        }
    }

    [Fact]
    public void Default_worker_command_runs_the_WorkerHost_next_to_the_library_with_this_machines_dotnet()
    {
        var script = TestClusters.Slurm(new SlurmOptions { Cores = 1, Memory = "1GB" }).JobScript();

        var libraryDirectory = Path.GetDirectoryName(typeof(Cluster).Assembly.Location)!;
        var workerLine = script.Split('\n').Single(line => line.Contains("--scheduler", StringComparison.Ordinal));
        Assert.Matches(@"^/\S+/dotnet ", workerLine);
        Assert.Contains($" {Path.Combine(libraryDirectory, "WorkerHost.dll")} --scheduler ", workerLine, StringComparison.Ordinal);
    }
}
