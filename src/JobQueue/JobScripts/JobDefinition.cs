using System.Security.Cryptography;
using System.Text.RegularExpressions;
using JobQueue.Security;
using JobQueue.Protocol;
using JobQueue.Submission;
using JobQueue.Options;

namespace JobQueue.JobScripts;

/// <summary>
/// Every job of one cluster, resolved from its options: what each job requests and how its script is written.
/// Built once at construction, so bad settings fail there and rendering a script cannot.
/// </summary>
internal sealed class JobDefinition
{
    /// <summary>Stands where the coordinator's address goes until the coordinator has started.</summary>
    public const string AddressPlaceholder = "tcp://COORDINATOR:PORT";

    private static readonly TimeSpan DefaultDeathTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan LongestDefaultLifetimeMargin = TimeSpan.FromMinutes(5);
    private const string DefaultShebang = "#!/usr/bin/env bash";

    private readonly JobScriptTemplate _template;
    private readonly string _templateSource;
    private readonly IReadOnlyDictionary<string, object?> _values;
    private readonly string _workerCommand;
    private readonly IReadOnlyList<string> _workerExtraArgs;
    private readonly string? _localDirectory;
    private readonly string? _interface;
    private readonly IReadOnlyDictionary<string, double> _workerResources;

    private JobDefinition(JobQueueOptions options, BatchSystem system, string home)
    {
        var optionsType = options.GetType().Name;
        string Option(string name) => $"{optionsType}.{name}";

        ControlCharacters.Refuse(options, optionsType);
        System = system;
        Id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        Name = OptionChecks.ClusterName(options.Name, optionsType);
        Cores = OptionChecks.Positive(options.Cores, optionsType, nameof(options.Cores), "Cores = 8")
            ?? throw Required(optionsType, nameof(options.Cores), "Cores = 8", "cores: 8", system);
        Memory = options.Memory is null
            ? throw Required(optionsType, nameof(options.Memory), "Memory = \"24GB\"", "memory: 24GB", system)
            : MemorySize.Parse(options.Memory, Option(nameof(options.Memory)));
        Processes = OptionChecks.Positive(options.Processes, optionsType, nameof(options.Processes), "Processes = 2") ?? DefaultProcesses(Cores);
        if (Cores % Processes != 0)
        {
            throw new ArgumentException(
                $"{Option(nameof(options.Processes))} = {Processes} must divide {Option(nameof(options.Cores))} = {Cores} so every worker gets the same threads, e.g. Processes = {DefaultProcesses(Cores)}.",
                nameof(options.Processes));
        }

        Walltime = Walltime.Parse(options.Walltime ?? Walltime.DefaultText(system.WalltimeSyntax), system.WalltimeSyntax, Option(nameof(options.Walltime)));
        DeathTimeout = options.DeathTimeout ?? DefaultDeathTimeout;
        if (DeathTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"{Option(nameof(options.DeathTimeout))} = {DeathTimeout} must be positive, e.g. DeathTimeout = TimeSpan.FromSeconds(60).", nameof(options.DeathTimeout));
        }

        (WorkerLifetime, WorkerLifetimeStagger) = ResolveLifetime(options, Walltime, Option);
        MemoryFractions = MemoryFractions.From(options, optionsType);
        WorkerSignalGrace = options.WorkerSignalGrace ?? WorkerCommandLine.DefaultSignalGrace;
        _workerResources = ResourceAmounts.Check(options.WorkerResources, Option(nameof(options.WorkerResources))) ?? WorkerCommandLine.NoResources;
        if (WorkerSignalGrace <= TimeSpan.Zero)
        {
            throw new ArgumentException(
                $"{Option(nameof(options.WorkerSignalGrace))} = {WorkerSignalGrace} must be positive and under the batch system's kill wait, e.g. WorkerSignalGrace = TimeSpan.FromSeconds(20).",
                nameof(options.WorkerSignalGrace));
        }

        if (options.EnvExtra is not null && options.JobScriptPrologue is not null)
        {
            throw new ArgumentException(
                $"{Option(nameof(options.EnvExtra))} is the old name of {Option(nameof(options.JobScriptPrologue))}; set only JobScriptPrologue.",
                nameof(options.EnvExtra));
        }

        JobName = options.JobName ?? (Name.Contains('$') ? OptionChecks.DefaultName : Name);
        if (JobName.Length == 0 || JobName.Any(char.IsWhiteSpace))
        {
            throw new ArgumentException($"{Option(nameof(options.JobName))} = \"{JobName}\" must be a non-empty name without spaces, e.g. JobName = \"chem\".", nameof(options.JobName));
        }

        if (options.LogDirectory is { } logDirectory && logDirectory.Any(char.IsWhiteSpace))
        {
            throw new ArgumentException(
                $"{Option(nameof(options.LogDirectory))} = \"{logDirectory}\" contains a space; batch systems split their -o/-e directives at spaces, so use a path without spaces, e.g. LogDirectory = \"~/jobqueue-logs\".",
                nameof(options.LogDirectory));
        }

        LogDirectory = options.LogDirectory switch
        {
            null => $"{home}/.jobqueue/logs/{JobName}",
            "" => null,
            var directory => HomePath.Expand(directory, home).TrimEnd('/'),
        };
        ScriptDirectory = LogDirectory ?? $"{home}/.jobqueue/scripts";
        SecretFile = $"{HomePath.Expand(options.SharedTempDirectory ?? "~/.jobqueue", home).TrimEnd('/')}/secrets/{Id}.secret";
        CustomJobIdPattern = options.JobIdPattern is null ? null : CompileJobIdPattern(options.JobIdPattern, optionsType);
        CommandDirectory = options.CommandDirectory is null ? null : HomePath.Expand(options.CommandDirectory, home);
        JobArrays = options.JobArrays ?? false;
        _workerCommand = options.WorkerCommand ?? DefaultWorkerCommand();
        _workerExtraArgs = options.WorkerExtraArgs ?? [];
        _localDirectory = options.LocalDirectory;
        _interface = options.Interface;

        var values = new Dictionary<string, object?>
        {
            ["shebang"] = options.Shebang ?? DefaultShebang,
            ["name"] = Name,
            ["jobName"] = JobName,
            ["queue"] = options.Queue,
            ["account"] = options.Account,
            ["walltime"] = Walltime.Text,
            ["cores"] = Cores,
            ["processes"] = Processes,
            ["logDirectory"] = LogDirectory,
            ["prologue"] = options.JobScriptPrologue ?? options.EnvExtra ?? [],
            ["epilogue"] = options.JobScriptEpilogue ?? [],
        };
        system.AddTemplateValues(options, new JobResources(Cores, Processes, Memory), values);
        _values = values;

        (_templateSource, var templateText) = LoadTemplate(options.TemplatePath, system, optionsType);
        _template = JobScriptTemplate.Compile(templateText, _templateSource, system.DirectivePrefix, options.JobDirectivesSkip ?? [], options.JobExtraDirectives ?? []);
        Render(AddressPlaceholder, firstJobIndex: 0, array: false);
    }

    public BatchSystem System { get; }

    /// <summary>Random id of this cluster, unique among the clusters sharing a directory.</summary>
    public string Id { get; }

    public string Name { get; }
    public string JobName { get; }
    public int Cores { get; }
    public int Processes { get; }
    public MemorySize Memory { get; }
    public Walltime Walltime { get; }
    public TimeSpan DeathTimeout { get; }

    /// <summary>How long each worker works before leaving gracefully: the walltime less the margin.</summary>
    public TimeSpan WorkerLifetime { get; }

    /// <summary>When each worker pauses and when it leaves to be restarted, as fractions of its memory limit.</summary>
    public MemoryFractions MemoryFractions { get; }

    public TimeSpan WorkerLifetimeStagger { get; }

    /// <summary>How long running tasks may finish after a signal.</summary>
    public TimeSpan WorkerSignalGrace { get; }
    public string? LogDirectory { get; }

    /// <summary>Where job scripts are written for a batch system that submits files (<see cref="BatchSystem.ScriptFileArguments"/>).</summary>
    public string ScriptDirectory { get; }
    public string SecretFile { get; }
    public Regex? CustomJobIdPattern { get; }
    public string? CommandDirectory { get; }
    public bool JobArrays { get; }


    /// <summary>
    /// Resolves <paramref name="options"/> (already merged with the configuration) for <paramref name="system"/>; <c>~</c> in
    /// the paths jobs see is <paramref name="home"/>, by default this user's home (over SSH, the remote user's).
    /// </summary>
    /// <exception cref="ArgumentException">An option is missing or invalid; the message names it and shows an accepted value.</exception>
    public static JobDefinition Resolve(JobQueueOptions options, BatchSystem system, string? home = null) => new(options, system, home ?? HomePath.Local);

    /// <summary>dask's default: all cores up to 4, else the smallest factor of the cores not below their square root.</summary>
    public static int DefaultProcesses(int cores) =>
        cores <= 4 ? cores : Enumerable.Range(1, cores).First(factor => cores % factor == 0 && factor >= Math.Sqrt(cores));

    /// <summary>The name of the single job with cluster-wide index <paramref name="jobIndex"/>.</summary>
    public string WorkerName(int jobIndex) => $"{Name}-{jobIndex}";

    /// <summary>
    /// The name of each job of an array whose first job has index <paramref name="firstJobIndex"/>: the node's shell
    /// adds the array task's index, so every job of one submission gets its own counter value.
    /// </summary>
    public string ArrayWorkerName(int firstJobIndex) =>
        $"{Name}-$(({firstJobIndex - System.FirstArrayTask} + {System.ArrayTaskVariable}))";

    /// <summary>
    /// The job script whose worker dials <paramref name="coordinatorAddress"/>: of the single job with index
    /// <paramref name="firstJobIndex"/>, or of each job of an <paramref name="array"/> whose first job has that index.
    /// The worker reports the job id the batch system's expression expands to on the node.
    /// </summary>
    public string Render(string coordinatorAddress, int firstJobIndex, bool array)
    {
        var workerCommandLine = new WorkerCommandLine
        {
            Scheduler = coordinatorAddress,
            Name = array ? ArrayWorkerName(firstJobIndex) : WorkerName(firstJobIndex),
            JobId = array ? System.ArrayTaskJobIdExpression : System.JobIdExpression,
            Threads = Cores / Processes,
            MemoryLimit = Memory.DividedBy(Processes),
            MemoryFractions = MemoryFractions,
            Workers = Processes,
            DeathTimeout = DeathTimeout,
            Lifetime = WorkerLifetime,
            LifetimeStagger = WorkerLifetimeStagger,
            SignalGrace = WorkerSignalGrace,
            LocalDirectory = _localDirectory,
            Interface = _interface,
            SecretFile = SecretFile,
            Resources = _workerResources,
        };
        var values = new Dictionary<string, object?>(_values)
        {
            ["workerCommand"] = $"{_workerCommand} {ShellWords.Join(workerCommandLine.ToArguments().Concat(_workerExtraArgs))}",
        };
        return _template.Render(values, _templateSource);
    }

    private static (TimeSpan Lifetime, TimeSpan Stagger) ResolveLifetime(JobQueueOptions options, Walltime walltime, Func<string, string> option)
    {
        var margin = options.WorkerLifetimeMargin ?? Min(walltime.Duration / 10, LongestDefaultLifetimeMargin);
        var stagger = options.WorkerLifetimeStagger ?? margin;
        if (margin < TimeSpan.Zero || margin >= walltime.Duration)
        {
            throw new ArgumentException(
                $"{option(nameof(options.WorkerLifetimeMargin))} = {margin} must be 0 or more and less than {option(nameof(options.Walltime))} = \"{walltime.Text}\" ({walltime.Duration}), e.g. WorkerLifetimeMargin = TimeSpan.FromMinutes(2).",
                nameof(options.WorkerLifetimeMargin));
        }

        var lifetime = walltime.Duration - margin;
        if (stagger < TimeSpan.Zero || stagger >= lifetime)
        {
            throw new ArgumentException(
                $"{option(nameof(options.WorkerLifetimeStagger))} = {stagger} must be 0 or more and less than the workers' lifetime ({option(nameof(options.Walltime))} less {option(nameof(options.WorkerLifetimeMargin))}: {lifetime}), e.g. WorkerLifetimeStagger = TimeSpan.FromMinutes(2).",
                nameof(options.WorkerLifetimeStagger));
        }

        return (lifetime, stagger);

        static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
    }

    private static ArgumentException Required(string optionsType, string option, string example, string configExample, BatchSystem system) =>
        new($"{optionsType}.{option} is required: set {example}, or {configExample} in the {system.ConfigSection} section of the configuration file.", option);

    private static Regex CompileJobIdPattern(string pattern, string optionsType)
    {
        const string option = nameof(JobQueueOptions.JobIdPattern);
        Regex regex;
        try
        {
            regex = new Regex(pattern, RegexOptions.Multiline);
        }
        catch (ArgumentException exception)
        {
            throw new ArgumentException($"{optionsType}.{option} = \"{pattern}\" is not a valid regular expression: {exception.Message}", option, exception);
        }

        return regex.GetGroupNames().Contains("id")
            ? regex
            : throw new ArgumentException($"{optionsType}.{option} = \"{pattern}\" needs a group named id around the job id, e.g. \"Job <(?<id>\\d+)>\".", option);
    }

    private static (string Source, string Text) LoadTemplate(string? templatePath, BatchSystem system, string optionsType)
    {
        const string option = nameof(JobQueueOptions.TemplatePath);
        if (templatePath is not null)
        {
            var path = HomePath.Expand(templatePath);
            return File.Exists(path)
                ? (path, File.ReadAllText(path))
                : throw new ArgumentException($"{optionsType}.{option} = \"{templatePath}\" does not exist; copy one of the templates/*.sh.scriban files of JobQueue and point TemplatePath at it.", option);
        }

        return ($"built-in {system.ConfigSection}.sh.scriban", system.ReadTemplate());
    }

    // The WorkerHost ships next to this library; run it with the dotnet host that runs this process.
    private static string DefaultWorkerCommand() => ShellWords.Join([WorkerHostLocation.Dotnet, WorkerHostLocation.EntryAssembly]);
}
