using System.Text.RegularExpressions;

namespace JobQueue.JobScripts;

/// <summary>The resources of one job, as the per-system directives need them.</summary>
internal sealed record JobResources(int Cores, int Processes, MemorySize Memory);

/// <summary>
/// What sets one batch system apart: its directive prefix, commands, time-limit syntax, job-id output and
/// the values its template adds. Everything shared lives in <see cref="JobDefinition"/>.
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

    public string TemplateResourceName => $"JobQueue.Templates.{ConfigSection}.sh.hbs";

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
