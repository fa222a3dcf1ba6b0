using System.Security.Cryptography;
using JobQueue.Submission;
using Microsoft.Extensions.Logging;

namespace JobQueue;

/// <summary>
/// One host of an <see cref="SshCluster"/> and its SSH connection: settles the host once (the WorkerHost deployed by
/// content hash, as the batch clusters' SSH path does, and a private copy of the cluster secret), runs worker
/// processes, stops those left over, and removes the secret at the end.
/// </summary>
internal sealed class SshHost : IAsyncDisposable
{
    private readonly IRemoteRunner _untimed;
    private readonly ICommandRunner _timed;
    private readonly IRemoteRunner _remote;
    private readonly string? _dotnet;
    private readonly Lock _gate = new();
    private Task<SshHostPlaces>? _prepared;

    public SshHost(string host, SshClusterSettings settings, ILogger logger)
    {
        Name = host;
        _untimed = SshRunners.Create(settings.Ssh with { Host = host }, null, settings.CommandTimeout, logger);
        _timed = TimedCommandRunner.Wrap(_untimed, settings.CommandTimeout, nameof(SshClusterOptions));
        _remote = (IRemoteRunner)_timed;
        _dotnet = settings.Ssh.Dotnet;
    }

    /// <summary>The host, as <see cref="SshClusterOptions.Hosts"/> names it.</summary>
    public string Name { get; }

    /// <summary>Where the WorkerHost and the secret are on the host; settled once, again after a failure.</summary>
    /// <param name="localSecretPath">The coordinator's secret file here, copied to the host.</param>
    /// <param name="cancellationToken">Ends the attempt.</param>
    /// <exception cref="BatchCommandException">The login, the copy or a command failed; the message says which and why.</exception>
    public Task<SshHostPlaces> PrepareAsync(string localSecretPath, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_prepared is null or { IsFaulted: true } or { IsCanceled: true })
            {
                _prepared = PrepareOnceAsync(localSecretPath, cancellationToken);
            }

            return _prepared;
        }
    }

    /// <summary>
    /// Runs a WorkerHost with <paramref name="arguments"/> until it exits, with no time limit: the SSH session lasts as
    /// long as the worker. Cancelling closes the session; the worker then goes by its death timeout or <see cref="StopAsync"/>.
    /// </summary>
    public Task<CommandResult> RunWorkerAsync(SshHostPlaces places, IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        _untimed.RunAsync(_dotnet ?? "dotnet", [places.WorkerHost, .. arguments], null, cancellationToken);

    /// <summary>Kills the worker processes named <paramref name="workerNames"/> that still run on the host.</summary>
    public async Task StopAsync(IReadOnlyCollection<string> workerNames, ILogger logger)
    {
        if (workerNames.Count == 0)
        {
            return;
        }

        // One pkill per worker, matching its --name argument; "[-]" keeps the pattern from matching the shell that runs pkill.
        var line = string.Join("; ", workerNames.Select(name => $"pkill -KILL -u \"$(id -u)\" -f -- {ShellWords.Quote($"[-]-name {System.Text.RegularExpressions.Regex.Escape(name)} ")}"));
        try
        {
            await _timed.RunAsync("sh", ["-c", $"{line}; true"], null, CancellationToken.None).ConfigureAwait(false);
        }
        catch (BatchCommandException exception)
        {
            logger.LogError("Could not stop the workers {Workers} on {Host}; they exit by their death timeout: {Reason}", string.Join(", ", workerNames), Name, exception.Message);
        }
    }

    /// <summary>Removes the secret's copy from the host and closes the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        Task<SshHostPlaces>? prepared;
        lock (_gate)
        {
            prepared = _prepared;
        }

        if (prepared is { IsCompletedSuccessfully: true })
        {
            try
            {
                await _timed.DeleteFileAsync((await prepared.ConfigureAwait(false)).SecretFile, CancellationToken.None).ConfigureAwait(false);
            }
            catch (BatchCommandException)
            {
                // The host is unreachable: the secret stays there, readable by its owner only, and useless without this coordinator.
            }
        }

        await _timed.DisposeAsync().ConfigureAwait(false);
    }

    private async Task<SshHostPlaces> PrepareOnceAsync(string localSecretPath, CancellationToken cancellationToken)
    {
        var home = await _remote.HomeDirectoryAsync(cancellationToken).ConfigureAwait(false);
        var workerHost = await WorkerHostDeployment.EnsureDeployedAsync(_remote, cancellationToken).ConfigureAwait(false);
        var secretFile = $"{home}/.jobqueue/secrets/ssh-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}.secret";
        await _remote.WriteFileAsync(secretFile, await File.ReadAllTextAsync(localSecretPath, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        return new SshHostPlaces(workerHost, secretFile);
    }
}

/// <summary>Paths on a host of an <see cref="SshCluster"/>.</summary>
/// <param name="WorkerHost">The deployed WorkerHost.dll.</param>
/// <param name="SecretFile">The host's copy of the cluster secret (mode 0600).</param>
internal sealed record SshHostPlaces(string WorkerHost, string SecretFile);
