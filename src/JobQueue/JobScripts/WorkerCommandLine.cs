using System.CommandLine;
using System.Globalization;

namespace JobQueue.JobScripts;

/// <summary>
/// The WorkerHost's command line: one definition for the job scripts that write it and the WorkerHost that reads it.
/// The secret itself never appears here, only the path of the file that holds it.
/// </summary>
internal sealed record WorkerCommandLine
{
    private static readonly Option<string> SchedulerOption = new("--scheduler") { Required = true, Description = "Coordinator address, tcp://host:port." };
    private static readonly Option<string> NameOption = new("--name") { Required = true, Description = "Worker name; with --nworkers each process appends -<k>." };
    private static readonly Option<string?> JobIdOption = new("--job-id") { Description = "Id of the batch job this worker runs in, as the status command lists it; the job script expands it from the batch system's variables." };
    private static readonly Option<int> ThreadsOption = new("--nthreads") { Required = true, Description = "Tasks run at once." };
    private static readonly Option<string> MemoryLimitOption = new("--memory-limit") { Required = true, Description = "Memory limit of each worker, e.g. 11.18GiB." };
    private static readonly Option<int> WorkersOption = new("--nworkers") { DefaultValueFactory = _ => 1, Description = "Worker processes to run." };
    private static readonly Option<string?> MemoryPauseOption = new("--memory-pause-fraction") { Description = "Fraction of --memory-limit above which the worker takes no new tasks, or off (default 0.8)." };
    private static readonly Option<string?> MemoryTerminateOption = new("--memory-terminate-fraction") { Description = "Fraction of --memory-limit above which the worker exits for its nanny to restart it, or off (default 0.95)." };
    private static readonly Option<bool> NoNannyOption = new("--no-nanny") { Description = "Run the worker in this process, without a nanny process that restarts it: for a parent that restarts it itself." };
    private static readonly Option<double> DeathTimeoutOption = new("--death-timeout") { Required = true, Description = "Seconds without the coordinator before exiting." };
    private static readonly Option<double?> LifetimeOption = new("--lifetime") { Description = "Seconds after which the worker stops taking tasks, hands back the rest and exits (before the job's walltime)." };
    private static readonly Option<double> LifetimeStaggerOption = new("--lifetime-stagger") { Description = "Seconds of random earliness in --lifetime, so that a cluster's workers do not all leave at once." };
    private static readonly Option<double> SignalGraceOption = new("--signal-grace") { DefaultValueFactory = _ => DefaultSignalGrace.TotalSeconds, Description = "Seconds running tasks may take to finish after SIGTERM before they are handed back." };
    private static readonly Option<string?> LocalDirectoryOption = new("--local-directory") { Description = "Scratch directory on the node." };
    private static readonly Option<string?> InterfaceOption = new("--interface") { Description = "Network interface to use." };
    private static readonly Option<string> SecretFileOption = new("--secret-file") { Required = true, Description = "File holding the cluster's secret (mode 0600)." };
    private static readonly Option<int?> ParentProcessOption = new("--parent-pid") { Description = "Exit as soon as this process is gone (LocalCluster's client)." };
    private static readonly Option<string?> ResourcesOption = new("--resources") { Description = "Abstract resources this worker has, e.g. gpu=1,ssd=2: items that ask for some hold them while they run." };
    private static readonly Option<string> LogLevelOption = new("--log-level") { DefaultValueFactory = _ => "Information", Description = "Least severe log events written: Verbose, Debug, Information, Warning, Error." };

    public required string Scheduler { get; init; }
    public required string Name { get; init; }
    /// <summary>The batch job the worker runs in, as the cluster tracks it; null outside a batch job.</summary>
    public string? JobId { get; init; }

    public required int Threads { get; init; }
    public required MemorySize MemoryLimit { get; init; }
    public int Workers { get; init; } = 1;

    /// <summary>When the worker pauses and when it leaves to be restarted, as fractions of <see cref="MemoryLimit"/>.</summary>
    public MemoryFractions MemoryFractions { get; init; } = MemoryFractions.Default;

    /// <summary>
    /// Whether this process is a nanny that runs the <see cref="Workers"/> as child processes and restarts those that
    /// die (dask's <c>--nanny</c>, also its default); false for a worker run in this process by a parent that restarts it.
    /// </summary>
    public bool Nanny { get; init; } = true;

    public required TimeSpan DeathTimeout { get; init; }

    /// <summary>How long the worker works before leaving gracefully; null for as long as the job runs.</summary>
    public TimeSpan? Lifetime { get; init; }

    /// <summary>The worker leaves up to this much before <see cref="Lifetime"/>, chosen at random.</summary>
    public TimeSpan LifetimeStagger { get; init; }

    /// <summary>Within Slurm's default KillWait of 30 s, with room to spare.</summary>
    public static readonly TimeSpan DefaultSignalGrace = TimeSpan.FromSeconds(20);

    /// <summary>How long running tasks may finish after a signal before the worker hands them back and exits.</summary>
    public TimeSpan SignalGrace { get; init; } = DefaultSignalGrace;

    public string? LocalDirectory { get; init; }
    public string? Interface { get; init; }
    public required string SecretFile { get; init; }
    public int? ParentProcessId { get; init; }
    public string LogLevel { get; init; } = "Information";

    /// <summary>No resources: one instance, so that command lines without them compare equal.</summary>
    public static readonly IReadOnlyDictionary<string, double> NoResources = new Dictionary<string, double>();

    /// <summary>The worker's abstract resources (<c>WorkerResources</c>); empty for none.</summary>
    public IReadOnlyDictionary<string, double> Resources { get; init; } = NoResources;

    public IReadOnlyList<string> ToArguments()
    {
        List<string> arguments =
        [
            SchedulerOption.Name, Scheduler,
            NameOption.Name, Name,
        ];
        if (JobId is not null)
        {
            arguments.AddRange([JobIdOption.Name, JobId]);
        }

        arguments.AddRange(
        [
            ThreadsOption.Name, Threads.ToString(CultureInfo.InvariantCulture),
            MemoryLimitOption.Name, MemoryLimit.ToBinaryString(),
        ]);
        if (Workers > 1)
        {
            arguments.AddRange([WorkersOption.Name, Workers.ToString(CultureInfo.InvariantCulture)]);
        }

        if (MemoryFractions.Pause != MemoryFractions.Default.Pause)
        {
            arguments.AddRange([MemoryPauseOption.Name, MemoryFractions.ToArgument(MemoryFractions.Pause)]);
        }

        if (MemoryFractions.Terminate != MemoryFractions.Default.Terminate)
        {
            arguments.AddRange([MemoryTerminateOption.Name, MemoryFractions.ToArgument(MemoryFractions.Terminate)]);
        }

        if (!Nanny)
        {
            arguments.Add(NoNannyOption.Name);
        }

        arguments.AddRange([DeathTimeoutOption.Name, Seconds(DeathTimeout)]);
        if (Lifetime is { } lifetime)
        {
            arguments.AddRange([LifetimeOption.Name, Seconds(lifetime)]);
            if (LifetimeStagger > TimeSpan.Zero)
            {
                arguments.AddRange([LifetimeStaggerOption.Name, Seconds(LifetimeStagger)]);
            }
        }

        if (SignalGrace != DefaultSignalGrace)
        {
            arguments.AddRange([SignalGraceOption.Name, Seconds(SignalGrace)]);
        }

        if (LocalDirectory is not null)
        {
            arguments.AddRange([LocalDirectoryOption.Name, LocalDirectory]);
        }

        if (Interface is not null)
        {
            arguments.AddRange([InterfaceOption.Name, Interface]);
        }

        if (Resources.Count > 0)
        {
            arguments.AddRange([ResourcesOption.Name, ResourceAmounts.Format(Resources)]);
        }

        arguments.AddRange([SecretFileOption.Name, SecretFile]);
        if (ParentProcessId is { } parent)
        {
            arguments.AddRange([ParentProcessOption.Name, parent.ToString(CultureInfo.InvariantCulture)]);
        }

        if (LogLevel != "Information")
        {
            arguments.AddRange([LogLevelOption.Name, LogLevel]);
        }

        return arguments;
    }

    private static RootCommand Command() => new("JobQueue worker: runs a cluster's tasks, started by its job script (or by a LocalCluster)")
    {
        SchedulerOption, NameOption, JobIdOption, ThreadsOption, MemoryLimitOption, WorkersOption, MemoryPauseOption, MemoryTerminateOption, NoNannyOption,
        DeathTimeoutOption, LifetimeOption, LifetimeStaggerOption, SignalGraceOption, LocalDirectoryOption, InterfaceOption, SecretFileOption, ParentProcessOption, LogLevelOption,
        ResourcesOption,
    };

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>
    /// Writes the options' help or the version to <paramref name="output"/> when <paramref name="arguments"/> ask for
    /// it (<c>--help</c>, <c>-h</c>, <c>-?</c>, <c>--version</c>); a worker's own command line never does, so it is not
    /// parsed twice.
    /// </summary>
    public static bool TryWriteHelp(IReadOnlyList<string> arguments, TextWriter output)
    {
        // The root command has no action of its own: an action is the help's or the version's.
        if (!arguments.Any(argument => argument is "--help" or "-h" or "-?" or "/h" or "/?" or "--version")
            || Command().Parse(arguments.ToArray()) is not { Action: not null, Errors.Count: 0 } asked)
        {
            return false;
        }

        asked.Invoke(new InvocationConfiguration { Output = output });
        return true;
    }

    /// <exception cref="ArgumentException">The arguments are not a valid worker command line; the message lists every problem.</exception>
    public static WorkerCommandLine Parse(IReadOnlyList<string> arguments)
    {
        var result = Command().Parse(arguments.ToArray());
        if (result.Errors.Count > 0)
        {
            throw new ArgumentException("Invalid worker command line: " + string.Join("; ", result.Errors.Select(error => error.Message)));
        }

        if (result.GetValue(LifetimeOption) is <= 0 || result.GetValue(LifetimeStaggerOption) < 0 || result.GetValue(SignalGraceOption) <= 0)
        {
            throw new ArgumentException("Invalid worker command line: --lifetime and --signal-grace must be a positive number of seconds and --lifetime-stagger 0 or more, e.g. --lifetime 3300 --lifetime-stagger 240 --signal-grace 20.");
        }

        return new WorkerCommandLine
        {
            Scheduler = result.GetValue(SchedulerOption)!,
            Name = result.GetValue(NameOption)!,
            JobId = result.GetValue(JobIdOption),
            Threads = result.GetValue(ThreadsOption),
            MemoryLimit = MemorySize.Parse(result.GetValue(MemoryLimitOption)!, MemoryLimitOption.Name),
            Workers = result.GetValue(WorkersOption),
            Nanny = !result.GetValue(NoNannyOption),
            MemoryFractions = new MemoryFractions(
                result.GetValue(MemoryPauseOption) is { } pause ? MemoryFractions.ParseArgument(pause, MemoryPauseOption.Name) : MemoryFractions.Default.Pause,
                result.GetValue(MemoryTerminateOption) is { } terminate ? MemoryFractions.ParseArgument(terminate, MemoryTerminateOption.Name) : MemoryFractions.Default.Terminate),
            DeathTimeout = TimeSpan.FromSeconds(result.GetValue(DeathTimeoutOption)),
            Lifetime = result.GetValue(LifetimeOption) is { } lifetime ? TimeSpan.FromSeconds(lifetime) : null,
            LifetimeStagger = TimeSpan.FromSeconds(result.GetValue(LifetimeStaggerOption)),
            SignalGrace = TimeSpan.FromSeconds(result.GetValue(SignalGraceOption)),
            LocalDirectory = result.GetValue(LocalDirectoryOption),
            Interface = result.GetValue(InterfaceOption),
            SecretFile = result.GetValue(SecretFileOption)!,
            ParentProcessId = result.GetValue(ParentProcessOption),
            LogLevel = result.GetValue(LogLevelOption)!,
            Resources = result.GetValue(ResourcesOption) is { } resources ? ResourceAmounts.Parse(resources, ResourcesOption.Name) : NoResources,
        };
    }
}
