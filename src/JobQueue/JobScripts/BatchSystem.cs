using System.Text.RegularExpressions;
using JobQueue.Jobs;
using JobQueue.Submission;

namespace JobQueue.JobScripts;

/// <summary>The resources of one job, as the per-system directives need them.</summary>
internal sealed record JobResources(int Cores, int Processes, MemorySize Memory);

/// <summary>
/// What sets one batch system apart: its directive prefix, commands, time-limit syntax, job-id output, status
/// output, log file names and the values its template adds. Everything shared lives in <see cref="JobDefinition"/>
/// and <see cref="JobQueueCluster"/>.
/// </summary>
internal abstract class BatchSystem
{
    /// <summary>Name for messages, e.g. "Slurm".</summary>
    public abstract string DisplayName { get; }

    /// <summary>Configuration-file section and template name, e.g. "slurm".</summary>
    public abstract string ConfigSection { get; }

    public abstract string DirectivePrefix { get; }

    public abstract string SubmitCommand { get; }

    /// <summary>Arguments that make <see cref="SubmitCommand"/> check a script without queueing it; null where the system has none.</summary>
    public abstract IReadOnlyList<string>? CheckArguments { get; }

    public abstract WalltimeSyntax WalltimeSyntax { get; }

    /// <summary>Finds the job id (group <c>id</c>) and, for arrays, the task range (group <c>tasks</c>) in the submit output.</summary>
    public abstract Regex JobIdPattern { get; }

    /// <summary>The variable that holds an array task's index inside the job.</summary>
    public abstract string ArrayTaskVariable { get; }

    /// <summary>Index of an array's first task: the submit arguments start the range there.</summary>
    public abstract int FirstArrayTask { get; }

    /// <summary>Submit arguments for an array of <paramref name="count"/> jobs, starting at <see cref="FirstArrayTask"/>.</summary>
    public abstract IReadOnlyList<string> ArraySubmitArguments(int count);

    /// <summary>The ids the tasks of a submitted array of <paramref name="count"/> jobs are listed under.</summary>
    public abstract IReadOnlyList<string> ArrayTaskIds(SubmittedJobId array, int count);

    /// <summary>
    /// Null when the submit command reads the script from standard input; else the arguments that go before the
    /// script's path when it must be a file, submitted from the log directory (the Torque-style <c>qsub</c> reads no
    /// standard input and writes <c>&lt;name&gt;.o&lt;id&gt;</c> into the directory it runs in).
    /// </summary>
    public virtual IReadOnlyList<string>? ScriptFileArguments(string jobName) => null;

    /// <summary>The command that lists the states of the jobs, e.g. <c>squeue</c>.</summary>
    public abstract string StatusCommand { get; }

    /// <summary>Arguments of <see cref="StatusCommand"/> that list <paramref name="ids"/> (and maybe other jobs of <paramref name="jobName"/>).</summary>
    public abstract IReadOnlyList<string> StatusArguments(IReadOnlyCollection<string> ids, string jobName);

    /// <summary>Whether <see cref="StatusCommand"/> lists ended jobs for a while, so that a job it forgot unseen was lost.</summary>
    public virtual bool ListsEndedJobs => false;

    /// <summary>The jobs in <see cref="StatusCommand"/>'s output; jobs it no longer knows are simply absent.</summary>
    /// <exception cref="FormatException">The output is not what this system prints.</exception>
    public abstract IReadOnlyList<JobStatus> ParseStatus(CommandResult result);

    /// <summary>The command that cancels jobs given as arguments, e.g. <c>scancel</c>.</summary>
    public abstract string CancelCommand { get; }

    /// <summary>Finds the lines in which <see cref="CancelCommand"/> says a job is already gone, which cancelling ignores.</summary>
    public abstract Regex GoneJobMessage { get; }

    /// <summary>Standard output and error files of a job whose log id is <paramref name="logId"/>; null where one goes to the other.</summary>
    public abstract (string Output, string? Error) LogFiles(string logDirectory, string jobName, string logId);

    public string TemplateResourceName => $"JobQueue.Templates.{ConfigSection}.sh.scriban";

    /// <summary>Adds the template values only this system has; throws <see cref="ArgumentException"/> for bad system-specific options.</summary>
    public abstract void AddTemplateValues(JobQueueOptions options, JobResources resources, IDictionary<string, object?> values);
}

/// <summary>A batch system whose own settings are of type <typeparamref name="TOptions"/>.</summary>
internal abstract class BatchSystem<TOptions> : BatchSystem
    where TOptions : JobQueueOptions
{
    public sealed override void AddTemplateValues(JobQueueOptions options, JobResources resources, IDictionary<string, object?> values) =>
        AddTemplateValues((TOptions)options, resources, values);

    protected abstract void AddTemplateValues(TOptions options, JobResources resources, IDictionary<string, object?> values);
}
