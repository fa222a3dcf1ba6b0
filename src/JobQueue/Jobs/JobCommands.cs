using JobQueue.JobScripts;
using JobQueue.Submission;

namespace JobQueue.Jobs;

/// <summary>
/// The batch system's commands on one cluster's jobs, here or over SSH: settling the remote side once (paths, the
/// WorkerHost, the secret file), submitting a script or an array, asking for states, cancelling, and reading logs.
/// </summary>
internal sealed class JobCommands(JobDefinition definition, JobQueueOptions options, ICommandRunner commands, Func<string> secretPath) : IAsyncDisposable
{
    private const int LogTailBytes = 1 << 20;

    private readonly Lock _gate = new();
    private Task<JobDefinition>? _prepared;
    private int _nextJobIndex;

    /// <summary>The resolved settings; over SSH, re-resolved with the remote home directory once prepared.</summary>
    public JobDefinition Definition { get; private set; } = definition;

    /// <summary>The definition once the remote side is ready; prepared once, again after a failure.</summary>
    public Task<JobDefinition> PrepareAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_prepared is null or { IsFaulted: true } or { IsCanceled: true })
            {
                _prepared = PrepareOnceAsync(cancellationToken);
            }

            return _prepared;
        }
    }

    /// <summary>Asks the batch system whether it would accept <paramref name="script"/> with the check arguments, and returns its answer.</summary>
    /// <exception cref="BatchCommandException">The batch system refused the script or its command is missing.</exception>
    public async Task<string> CheckAsync(string script, IReadOnlyList<string> checkArguments, CancellationToken cancellationToken)
    {
        var result = await commands.RunAsync(Definition.System.SubmitCommand, checkArguments, script, cancellationToken).ConfigureAwait(false);
        result.EnsureSuccess();
        return (result.StandardOutput + result.StandardError).Trim();
    }

    /// <summary>Submits <paramref name="jobs"/> jobs (one, or an array) whose workers dial <paramref name="address"/>; returns the id and the ids its tasks are listed under.</summary>
    /// <exception cref="BatchCommandException">The batch system refused the submission or printed no job id.</exception>
    public async Task<(SubmittedJobId Submitted, IReadOnlyList<string> Ids)> SubmitAsync(JobDefinition prepared, string address, int jobs, CancellationToken cancellationToken)
    {
        var system = prepared.System;
        var first = Interlocked.Add(ref _nextJobIndex, jobs) - jobs;
        var script = prepared.Render(address, first, array: jobs > 1);
        var arguments = jobs == 1 ? [] : system.ArraySubmitArguments(jobs, prepared.JobName);
        var result = system.ScriptFileArguments(prepared.JobName) is { } fileArguments
            ? await SubmitFileAsync(fileArguments).ConfigureAwait(false)
            : await commands.RunAsync(system.SubmitCommand, arguments, script, cancellationToken).ConfigureAwait(false);
        var submitted = SubmittedJobId.Parse(result.EnsureSuccess(), system.JobIdPattern, prepared.CustomJobIdPattern);
        return (submitted, jobs == 1 ? [submitted.Id] : system.ArrayTaskIds(submitted.Id, jobs));

        async Task<CommandResult> SubmitFileAsync(IReadOnlyList<string> fileArguments)
        {
            // Run from the log directory, where a Torque-style qsub writes the job's output.
            var path = $"{prepared.ScriptDirectory}/{prepared.JobName}-{prepared.Id}-{first}.sh";
            await commands.WriteFileAsync(path, script, cancellationToken).ConfigureAwait(false);
            return await commands.RunAsync(system.SubmitCommand, [.. arguments, .. fileArguments, path], null, cancellationToken, prepared.ScriptDirectory).ConfigureAwait(false);
        }
    }

    /// <summary>The states of <paramref name="ids"/> (and maybe other jobs of this cluster's name) from one status command.</summary>
    /// <exception cref="BatchCommandException">The status command failed.</exception>
    /// <exception cref="FormatException">Its output is not what this batch system prints.</exception>
    public async Task<IReadOnlyList<JobStatus>> StatusAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        var prepared = await PrepareAsync(cancellationToken).ConfigureAwait(false);
        var system = prepared.System;
        var result = await commands.RunAsync(system.StatusCommand, system.StatusArguments(ids, prepared.JobName), null, cancellationToken).ConfigureAwait(false);
        return system.ParseStatus(result);
    }

    /// <summary>Cancels <paramref name="ids"/> with one command; jobs the batch system says are gone already are fine.</summary>
    /// <exception cref="BatchCommandException">The cancel command failed for another reason.</exception>
    public async Task CancelAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        var system = Definition.System;
        var result = await commands.RunAsync(system.CancelCommand, ids, null, cancellationToken).ConfigureAwait(false);
        var complaints = (result.StandardOutput + "\n" + result.StandardError)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => !system.GoneJobMessage.IsMatch(line));
        if (result.ExitCode != 0 && complaints.Any())
        {
            result.EnsureSuccess();
        }
    }

    /// <summary>What job <paramref name="jobId"/> (logged as <paramref name="logId"/>) wrote so far, from the log directory.</summary>
    public async Task<JobLog> ReadLogAsync(string jobId, string logId, CancellationToken cancellationToken)
    {
        var prepared = await PrepareAsync(cancellationToken).ConfigureAwait(false);
        if (prepared.LogDirectory is not { } directory)
        {
            return new JobLog(jobId, null, null, []);
        }

        var (output, error) = prepared.System.LogFiles(directory, prepared.JobName, logId);
        var outputText = await commands.ReadTailAsync(output, LogTailBytes, cancellationToken).ConfigureAwait(false);
        var errorText = error is null ? null : await commands.ReadTailAsync(error, LogTailBytes, cancellationToken).ConfigureAwait(false);
        return new JobLog(jobId, outputText, errorText, error is null ? [output] : [output, error]);
    }

    /// <summary>Over SSH, removes the copy of the secret file on the login node.</summary>
    public async Task DeleteRemoteSecretAsync()
    {
        if (_prepared is { IsCompletedSuccessfully: true } prepared && options.Ssh is not null)
        {
            await commands.DeleteFileAsync((await prepared.ConfigureAwait(false)).SecretFile, CancellationToken.None).ConfigureAwait(false);
        }
    }

    public ValueTask DisposeAsync() => commands.DisposeAsync();

    // Over SSH: settles the remote paths, the WorkerHost and the secret file there. Here: only the log directory.
    private async Task<JobDefinition> PrepareOnceAsync(CancellationToken cancellationToken)
    {
        var secret = secretPath();
        var resolved = Definition;
        if (options.Ssh is { } ssh)
        {
            var remote = (IRemoteRunner)commands;
            var home = await remote.HomeDirectoryAsync(cancellationToken).ConfigureAwait(false);
            var workerCommand = options.WorkerCommand;
            if (workerCommand is null)
            {
                var workerHost = await WorkerHostDeployment.EnsureDeployedAsync(remote, cancellationToken).ConfigureAwait(false);
                workerCommand = ShellWords.Join([ssh.Dotnet ?? "dotnet", workerHost]);
            }

            resolved = JobDefinition.Resolve(options with { WorkerCommand = workerCommand }, resolved.System, home);
            await remote.WriteFileAsync(resolved.SecretFile, await File.ReadAllTextAsync(secret, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            Definition = resolved;
        }

        if (resolved.LogDirectory is { } logs)
        {
            await commands.CreateDirectoryAsync(logs, cancellationToken).ConfigureAwait(false);
        }

        return resolved;
    }
}
