using System.Text.RegularExpressions;

namespace JobQueue;

/// <summary>
/// What sets one batch system apart: its directive prefix, commands, time-limit syntax, job-id output, status
/// output, log file names, the shell expression of its job id and the values its template adds. Everything shared
/// (options, scaling, the job table, the worker command line) lives in <see cref="JobQueueCluster"/>. To add a batch
/// system (LSF, HTCondor, OAR…), derive from <see cref="BatchSystem{TOptions}"/>, embed a job-script template and
/// pass an instance to <see cref="JobQueueCluster"/>'s protected constructor; <c>samples/CustomBatchSystem</c> adds LSF.
/// Instances hold no state: one instance may serve every cluster of the process.
/// </summary>
public abstract class BatchSystem
{
    /// <summary>Name for messages, e.g. <c>"Slurm"</c>.</summary>
    public abstract string DisplayName { get; }

    /// <summary>Section of the configuration file and name of the template (<c>&lt;section&gt;.sh.scriban</c>), e.g. <c>"slurm"</c>.</summary>
    public abstract string ConfigSection { get; }

    /// <summary>The start of every header directive, e.g. <c>"#SBATCH"</c>; the template's <c>directives</c> block adds it.</summary>
    public abstract string DirectivePrefix { get; }

    /// <summary>The command that submits a job script given on its standard input, e.g. <c>"sbatch"</c>.</summary>
    public abstract string SubmitCommand { get; }

    /// <summary>
    /// Arguments that make <see cref="SubmitCommand"/> check a script without queueing it, as
    /// <see cref="JobQueueCluster.CheckJobScriptAsync"/> runs it. <value>The default is null: the system has none.</value>
    /// </summary>
    public virtual IReadOnlyList<string>? CheckArguments => null;

    /// <summary>The time-limit forms <see cref="JobQueueOptions.Walltime"/> accepts, written into the script as given.</summary>
    public abstract WalltimeSyntax WalltimeSyntax { get; }

    /// <summary>
    /// Finds the job id (group <c>id</c>) and, for arrays, the task range (group <c>tasks</c>) in the submit command's
    /// output. Where it finds nothing, the first number of the last line that holds one is taken.
    /// </summary>
    public abstract Regex JobIdPattern { get; }

    /// <summary>
    /// Shell expression that expands, inside a running job, to the id <see cref="StatusCommand"/> lists the job under,
    /// e.g. <c>$SLURM_JOB_ID</c>. It is written into the worker command line inside double quotes, so the node's
    /// shell expands it; the worker reports it, and the cluster matches workers to their jobs by it.
    /// </summary>
    public abstract string JobIdExpression { get; }

    /// <summary>
    /// Like <see cref="JobIdExpression"/> inside one task of a job array: the task's id as
    /// <see cref="ArrayTaskIds"/> names it, e.g. <c>${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}</c>.
    /// </summary>
    public abstract string ArrayTaskJobIdExpression { get; }

    /// <summary>The variable that holds an array task's index inside the job, e.g. <c>SLURM_ARRAY_TASK_ID</c>.</summary>
    public abstract string ArrayTaskVariable { get; }

    /// <summary>Index of an array's first task: the submit arguments start the range there.</summary>
    public abstract int FirstArrayTask { get; }

    /// <summary>
    /// Submit arguments for an array of <paramref name="count"/> jobs named <paramref name="jobName"/>, whose tasks
    /// are numbered from <see cref="FirstArrayTask"/>, e.g. <c>--array=0-5</c>.
    /// </summary>
    public abstract IReadOnlyList<string> ArraySubmitArguments(int count, string jobName);

    /// <summary>The ids the <paramref name="count"/> tasks of the array submitted as <paramref name="arrayId"/> are listed and cancelled under.</summary>
    public abstract IReadOnlyList<string> ArrayTaskIds(string arrayId, int count);

    /// <summary>
    /// Null when <see cref="SubmitCommand"/> reads the script from standard input; else the arguments that go before
    /// the script's path when it must be a file, submitted from the log directory (the Torque-style <c>qsub</c> reads
    /// no standard input and writes <c>&lt;name&gt;.o&lt;id&gt;</c> into the directory it runs in).
    /// <value>The default is null.</value>
    /// </summary>
    public virtual IReadOnlyList<string>? ScriptFileArguments(string jobName) => null;

    /// <summary>The command that lists the states of the jobs, e.g. <c>"squeue"</c>.</summary>
    public abstract string StatusCommand { get; }

    /// <summary>Arguments of <see cref="StatusCommand"/> that list <paramref name="ids"/> (and maybe other jobs named <paramref name="jobName"/>).</summary>
    public abstract IReadOnlyList<string> StatusArguments(IReadOnlyCollection<string> ids, string jobName);

    /// <summary>
    /// Whether <see cref="StatusCommand"/> lists ended jobs for a while, so that a job it forgot unseen was lost.
    /// <value>The default is false.</value>
    /// </summary>
    public virtual bool ListsEndedJobs => false;

    /// <summary>The jobs in <see cref="StatusCommand"/>'s output; jobs it no longer knows are simply absent.</summary>
    /// <exception cref="FormatException">The output is not what this system prints.</exception>
    /// <exception cref="BatchCommandException">The command failed for another reason than jobs it no longer knows.</exception>
    public abstract IReadOnlyList<JobStatus> ParseStatus(CommandResult result);

    /// <summary>The command that cancels the jobs given as arguments, e.g. <c>"scancel"</c>.</summary>
    public abstract string CancelCommand { get; }

    /// <summary>Finds the lines in which <see cref="CancelCommand"/> says a job is already gone, which cancelling ignores.</summary>
    public abstract Regex GoneJobMessage { get; }

    /// <summary>
    /// Standard output and error files of a job whose log id is <paramref name="logId"/> (<see cref="JobStatus.LogId"/>,
    /// else its id), as the template's directives name them; Error is null where one goes to the other.
    /// </summary>
    public abstract (string Output, string? Error) LogFiles(string logDirectory, string jobName, string logId);

    /// <summary>
    /// The Scriban text of the built-in job-script template, used unless <see cref="JobQueueOptions.TemplatePath"/> is
    /// set. <value>The default reads the embedded resource of this class's assembly whose name ends in
    /// <c>&lt;<see cref="ConfigSection"/>&gt;.sh.scriban</c>.</value>
    /// </summary>
    /// <exception cref="InvalidOperationException">No such resource is embedded.</exception>
    public virtual string ReadTemplate()
    {
        var assembly = GetType().Assembly;
        var file = $"{ConfigSection}.sh.scriban";
        var resource = assembly.GetManifestResourceNames().FirstOrDefault(name => name == file || name.EndsWith($".{file}", StringComparison.Ordinal))
            ?? throw new InvalidOperationException(
                $"{GetType().Name} found no template: embed one as a resource whose name ends in {file} in {assembly.GetName().Name}, e.g. <EmbeddedResource Include=\"{file}\" WithCulture=\"false\" />, or override ReadTemplate.");
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// Adds the template values only this system has to <paramref name="values"/>, which already holds the shared ones
    /// (<c>jobName</c>, <c>queue</c>, <c>account</c>, <c>walltime</c>, <c>cores</c>, <c>logDirectory</c>…). Runs once, when the cluster is constructed.
    /// </summary>
    /// <exception cref="ArgumentException">A system-specific option is invalid; the message names it and shows an accepted value.</exception>
    public abstract void AddTemplateValues(JobQueueOptions options, JobResources resources, IDictionary<string, object?> values);
}
