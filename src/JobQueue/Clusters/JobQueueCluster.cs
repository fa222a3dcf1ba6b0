using JobQueue.Configuration;
using JobQueue.JobScripts;
using JobQueue.Submission;

namespace JobQueue;

/// <summary>
/// A cluster whose workers run as batch jobs. Constructing one checks every option and runs no command, so
/// <see cref="JobScript"/> works on a laptop without the batch system.
/// </summary>
public abstract class JobQueueCluster : Cluster
{
    private readonly ICommandRunner _commands;

    private protected JobQueueCluster(JobQueueOptions options, BatchSystem batchSystem, JobQueueConfig config)
        : this(config.Apply(options, batchSystem.ConfigSection), batchSystem)
    {
    }

    private JobQueueCluster(JobQueueOptions merged, BatchSystem batchSystem)
        : this(JobDefinition.Resolve(merged, batchSystem), merged)
    {
    }

    private JobQueueCluster(JobDefinition definition, JobQueueOptions options)
        : base(definition.Name, options, options.GetType().Name, "0.0.0.0", definition.SecretFile)
    {
        Definition = definition;
        _commands = new LocalCommandRunner(definition.CommandDirectory);
    }

    internal JobDefinition Definition { get; }

    /// <summary>
    /// The script this cluster submits for its next job, exactly as the batch system will receive it. Until the
    /// coordinator has started, <c>tcp://COORDINATOR:PORT</c> stands where its address goes.
    /// </summary>
    public string JobScript() => Definition.Render(Address ?? JobDefinition.AddressPlaceholder, Definition.WorkerName(0));

    /// <summary>
    /// Asks the batch system whether it would accept <see cref="JobScript"/> (<c>sbatch --test-only</c>, <c>qsub -w v</c>)
    /// without queueing a job, and returns what it answered.
    /// </summary>
    /// <exception cref="BatchCommandException">The batch system refused the script (an unknown partition or queue, say) or its command is missing.</exception>
    /// <exception cref="NotSupportedException">The batch system cannot check a script without queueing it (PBS).</exception>
    public async Task<string> CheckJobScriptAsync(CancellationToken cancellationToken = default)
    {
        var system = Definition.System;
        var arguments = system.CheckArguments
            ?? throw new NotSupportedException($"{system.DisplayName} has no way to check a job script without queueing it; print JobScript() and compare it with your site's rules instead.");
        var result = await _commands.RunAsync(system.SubmitCommand, arguments, JobScript(), cancellationToken).ConfigureAwait(false);
        result.EnsureSuccess();
        return (result.StandardOutput + result.StandardError).Trim();
    }
}
