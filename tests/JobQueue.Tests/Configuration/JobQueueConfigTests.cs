using JobQueue.Configuration;
using JobQueue.Tests.JobScripts;

namespace JobQueue.Tests.Configuration;

public sealed class JobQueueConfigTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("jobqueue-config-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void An_option_in_code_beats_the_environment_which_beats_the_file_which_beats_the_default()
    {
        var config = Load(
            """
            jobqueue:
              slurm:
                queue: from-file
                account: from-file
                walltime: "01:00:00"
                cores: 4
                memory: 8GB
            """,
            new() { ["JOBQUEUE__SLURM__ACCOUNT"] = "from-environment", ["JOBQUEUE__SLURM__WALLTIME"] = "02:00:00" });

        var script = TestClusters.Slurm(new SlurmOptions { Walltime = "03:00:00", WorkerCommand = TestClusters.WorkerCommand }, config).JobScript();

        Assert.Contains("#SBATCH -p from-file\n", script);
        Assert.Contains("#SBATCH -A from-environment\n", script);
        Assert.Contains("#SBATCH -t 03:00:00\n", script);
        Assert.Contains("#SBATCH --cpus-per-task=4\n", script);
        Assert.Contains("#SBATCH --mem=8G\n", script);
        Assert.Contains(" --death-timeout 60 ", script);
    }

    [Fact]
    public void Keys_of_every_type_are_read_in_kebab_case()
    {
        var config = Load(
            """
            jobqueue:
              slurm:
                cores: 8
                memory: 24GB
                processes: 2
                job-extra-directives: ["--exclusive", "--gres=gpu:1"]
                job-directives-skip: [-N]
                job-script-prologue:
                  - module load dotnet
                death-timeout: 90
                job-arrays: yes
                memory-directive: mem-per-cpu
                job-cpu: 16
                local-directory: $TMPDIR
            """);

        var cluster = TestClusters.Slurm(new SlurmOptions { WorkerCommand = TestClusters.WorkerCommand }, config);
        var script = cluster.JobScript();

        Assert.Contains("#SBATCH --exclusive\n#SBATCH --gres=gpu:1\nmodule load dotnet\n", script);
        Assert.DoesNotContain("-N 1", script);
        Assert.Contains("#SBATCH --cpus-per-task=16\n#SBATCH --mem-per-cpu=1431M\n", script);
        Assert.Contains(" --nthreads 4 --memory-limit 11.18GiB --nworkers 2 --death-timeout 90 --lifetime 1620 --lifetime-stagger 180 --local-directory \"$TMPDIR\" ", script);
        Assert.True(cluster.Definition.JobArrays);
    }

    [Fact]
    public void ConfigName_picks_a_named_section_and_the_environment_can_override_it()
    {
        var config = Load(
            """
            jobqueue:
              slurm:
                queue: regular
              gpu-nodes:
                queue: gpu
                cores: 4
                memory: 16GB
                job-extra-directives: [--gres=gpu:1]
            """,
            new() { ["JOBQUEUE__GPU_NODES__CORES"] = "2" });

        var script = TestClusters.Slurm(new SlurmOptions { ConfigName = "gpu-nodes" }, config).JobScript();

        Assert.Contains("#SBATCH -p gpu\n", script);
        Assert.Contains("#SBATCH --cpus-per-task=2\n", script);
        Assert.Contains("#SBATCH --gres=gpu:1\n", script);
    }

    [Fact]
    public void An_empty_list_in_code_still_overrides_the_file()
    {
        var config = Load("jobqueue:\n  sge:\n    cores: 2\n    memory: 2GB\n    job-script-prologue: [module load dotnet]\n");

        Assert.DoesNotContain("module load", TestClusters.Sge(new SGEOptions { JobScriptPrologue = [] }, config).JobScript());
        Assert.Contains("\nmodule load dotnet\n", TestClusters.Sge(new SGEOptions(), config).JobScript());
    }

    [Fact]
    public void An_unknown_key_names_the_key_the_file_and_the_accepted_keys()
    {
        var config = Load("jobqueue:\n  pbs:\n    cores: 2\n    quue: short\n");

        var error = Assert.Throws<ArgumentException>(() => TestClusters.Pbs(new PBSOptions { Memory = "1GB" }, config));

        Assert.Equal("quue", error.ParamName);
        Assert.StartsWith($"Unknown key \"quue\" in section pbs ({_directory}/jobqueue.yaml, key pbs.quue). Accepted keys: account, command-directory, command-timeout, contact-address, cores, dashboard-address, death-timeout, env-extra, interface, job-arrays, job-directives-skip, job-extra-directives, job-id-pattern, job-name, job-script-epilogue, job-script-prologue, listen-address, local-directory, log-directory, memory, name, port, processes, queue, resource-spec, shared-temp-directory, shebang, status-interval, template-path, walltime, worker-command, worker-extra-args, worker-lifetime-margin, worker-lifetime-stagger, worker-signal-grace.", error.Message);
    }

    [Fact]
    public void A_key_of_another_batch_system_is_unknown_here() =>
        Assert.Contains(
            "Unknown key \"parallel-environment\" in section slurm",
            Assert.Throws<ArgumentException>(() => TestClusters.Slurm(new SlurmOptions(), Load("jobqueue:\n  slurm:\n    parallel-environment: smp\n"))).Message);

    [Fact]
    public void An_unknown_environment_key_names_the_variable()
    {
        var config = JobQueueConfig.Load(null, new Dictionary<string, string> { ["JOBQUEUE__SLURM__CORSE"] = "4" });

        var error = Assert.Throws<ArgumentException>(() => TestClusters.Slurm(new SlurmOptions(), config));

        Assert.StartsWith("Unknown key \"corse\" in section slurm (environment variable JOBQUEUE__SLURM__CORSE). Accepted keys: account, command-directory, command-timeout, contact-address, cores,", error.Message);
    }

    [Theory]
    [InlineData("cores: eight", "key slurm.cores: expected a whole number, e.g. cores: 8; got eight.")]
    [InlineData("job-arrays: maybe", "key slurm.job-arrays: expected true or false, e.g. job-arrays: true; got maybe.")]
    [InlineData("memory-directive: gigabytes", "key slurm.memory-directive: expected one of mem, mem-per-cpu, none, e.g. memory-directive: mem; got gigabytes.")]
    [InlineData("job-extra-directives: {a: b}", "key slurm.job-extra-directives: expected a list of strings, e.g. job-extra-directives: [\"--exclusive\"]; got")]
    [InlineData("death-timeout: soon", "key slurm.death-timeout: expected seconds or hh:mm:ss, e.g. death-timeout: 60; got soon.")]
    public void A_value_of_the_wrong_type_says_where_it_is_and_what_is_expected(string line, string message)
    {
        var config = Load($"jobqueue:\n  slurm:\n    {line}\n");

        var error = Assert.Throws<ArgumentException>(() => TestClusters.Slurm(new SlurmOptions { Cores = 1, Memory = "1GB" }, config));

        Assert.Contains($"{_directory}/jobqueue.yaml, {message}", error.Message);
    }

    [Fact]
    public void A_ConfigName_without_its_section_is_an_error_listing_the_sections()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            TestClusters.Slurm(new SlurmOptions { ConfigName = "gpu" }, Load("jobqueue:\n  slurm:\n    cores: 1\n  sge:\n    cores: 2\n")));

        Assert.Equal("ConfigName", error.ParamName);
        Assert.StartsWith($"SlurmOptions.ConfigName = \"gpu\" names no section of the configuration file {_directory}/jobqueue.yaml; sections there: sge, slurm.", error.Message);
    }

    [Theory]
    [InlineData("slurm:\n  cores: 1\n")]
    [InlineData("jobqueue:\n  - slurm\n")]
    [InlineData("jobqueue:\n  slurm: [cores]\n")]
    [InlineData("jobqueue: {slurm: {cores: 1}\n")]
    public void A_file_of_the_wrong_shape_is_an_error_naming_the_file(string text)
    {
        var error = Assert.Throws<ArgumentException>(() => Load(text));

        Assert.Contains($"{_directory}/jobqueue.yaml", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("jobqueue:\n")]
    [InlineData("jobqueue:\n  slurm:\n")]
    public void An_empty_file_or_section_sets_nothing(string text) =>
        Assert.Contains("#SBATCH -t 00:30:00\n", TestClusters.Slurm(new SlurmOptions { Cores = 1, Memory = "1GB" }, Load(text)).JobScript());

    [Fact]
    public void A_malformed_environment_variable_name_is_an_error() =>
        Assert.StartsWith(
            "Environment variable JOBQUEUE__QUEUE should be named JOBQUEUE__<SECTION>__<KEY>, e.g. JOBQUEUE__SLURM__QUEUE.",
            Assert.Throws<ArgumentException>(() => JobQueueConfig.Load(null, new Dictionary<string, string> { ["JOBQUEUE__QUEUE"] = "x" })).Message);

    [Fact]
    public void A_named_file_that_does_not_exist_is_an_error() =>
        Assert.StartsWith(
            $"The configuration file {_directory}/missing.yaml cannot be read:",
            Assert.Throws<ArgumentException>(() => JobQueueConfig.Load($"{_directory}/missing.yaml", new Dictionary<string, string>())).Message);

    [Theory]
    [InlineData("listen-address: not-an-address", "SlurmOptions.ListenAddress = \"not-an-address\" is not an IP address")]
    [InlineData("dashboard-address: nowhere", "SlurmOptions.DashboardAddress = \"nowhere\" is not an IP address with an optional port")]
    public void Listen_and_dashboard_addresses_from_the_file_reach_the_options_and_their_validation(string line, string message)
    {
        var config = Load($"jobqueue:\n  slurm:\n    cores: 1\n    memory: 1GB\n    {line}\n");

        var error = Assert.Throws<ArgumentException>(() => TestClusters.Slurm(new SlurmOptions(), config));

        Assert.StartsWith(message, error.Message);
    }

    [Fact]
    public void Listen_and_dashboard_addresses_in_code_beat_the_file()
    {
        var config = Load("jobqueue:\n  slurm:\n    cores: 1\n    memory: 1GB\n    listen-address: not-an-address\n    dashboard-address: nowhere\n");

        var cluster = TestClusters.Slurm(new SlurmOptions { ListenAddress = "127.0.0.1", DashboardAddress = "127.0.0.1:0" }, config);

        Assert.Contains("#SBATCH --cpus-per-task=1\n", cluster.JobScript());
    }

    [Fact]
    public void A_list_in_the_environment_replaces_the_files_list_whole()
    {
        var yaml = "jobqueue:\n  slurm:\n    cores: 1\n    memory: 1GB\n    job-extra-directives: [--one, --two, --three]\n";
        var asYaml = Load(yaml, new() { ["JOBQUEUE__SLURM__JOB_EXTRA_DIRECTIVES"] = "[--exclusive, --gres=gpu:1]" });
        var numbered = Load(yaml, new() { ["JOBQUEUE__SLURM__JOB_EXTRA_DIRECTIVES__0"] = "--exclusive", ["JOBQUEUE__SLURM__JOB_EXTRA_DIRECTIVES__1"] = "--gres=gpu:1" });

        foreach (var config in new[] { asYaml, numbered })
        {
            var script = TestClusters.Slurm(new SlurmOptions(), config).JobScript();
            Assert.Contains("#SBATCH --exclusive\n#SBATCH --gres=gpu:1\n", script);
            Assert.DoesNotContain("--one", script);
        }
    }

    [Fact]
    public void The_process_environment_is_read_through_the_environment_variables_provider()
    {
        // A section of its own: other tests reading the environment meanwhile never use it.
        var section = $"ENVTEST_{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable($"JOBQUEUE__{section}__QUEUE", "from-process");
        Environment.SetEnvironmentVariable($"JOBQUEUE__{section}__JOB_EXTRA_DIRECTIVES", "[--exclusive]");
        try
        {
            var script = TestClusters.Slurm(new SlurmOptions { ConfigName = section.ToLowerInvariant().Replace('_', '-'), Cores = 1, Memory = "1GB" }, JobQueueConfig.FromEnvironment()).JobScript();

            Assert.Contains("#SBATCH -p from-process\n", script);
            Assert.Contains("#SBATCH --exclusive\n", script);
        }
        finally
        {
            Environment.SetEnvironmentVariable($"JOBQUEUE__{section}__QUEUE", null);
            Environment.SetEnvironmentVariable($"JOBQUEUE__{section}__JOB_EXTRA_DIRECTIVES", null);
        }
    }

    private JobQueueConfig Load(string yaml, Dictionary<string, string>? environment = null)
    {
        var path = Path.Combine(_directory, "jobqueue.yaml");
        File.WriteAllText(path, yaml);
        return JobQueueConfig.Load(path, environment ?? []);
    }
}
