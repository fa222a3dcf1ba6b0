namespace JobQueue;

/// <summary>
/// Submit through SSH to a login node with the system's OpenSSH client: one connection (ControlMaster) carries every
/// command, job scripts and the cluster secret go through its standard input, never onto a command line. Keys must
/// work without a prompt (BatchMode): use an agent or a key without passphrase.
/// </summary>
public sealed record SshOptions
{
    /// <summary>The login node, e.g. <c>"login1.cluster.example.org"</c>; required.</summary>
    public string? Host { get; init; }

    /// <summary>User name on <see cref="Host"/>. <value>The default is ssh's (its configuration, else the local user).</value></summary>
    public string? User { get; init; }

    /// <summary>SSH port. <value>The default is ssh's (22).</value></summary>
    public int? Port { get; init; }

    /// <summary>Private key to log in with. <value>The default is ssh's keys and agent.</value></summary>
    public string? IdentityFile { get; init; }

    /// <summary>More ssh arguments, e.g. <c>["-o", "UserKnownHostsFile=~/hosts", "-J", "gateway"]</c>.</summary>
    public IReadOnlyList<string>? ExtraArgs { get; init; }

    /// <summary>
    /// Copy the WorkerHost next to this library to <c>~/.jobqueue/workerhost/&lt;content hash&gt;</c> on the remote side
    /// when it is not there yet, and make it the default <see cref="JobQueueOptions.WorkerCommand"/>. <value>The default is false:
    /// set <see cref="JobQueueOptions.WorkerCommand"/> to a WorkerHost the nodes can run.</value>
    /// </summary>
    public bool DeployWorkerHost { get; init; }

    /// <summary>The dotnet host on the nodes that runs a deployed WorkerHost. <value>The default is <c>dotnet</c> from the job's PATH.</value></summary>
    public string? Dotnet { get; init; }

    /// <summary>user@host:port for messages.</summary>
    internal string Destination => $"{(User is null ? "" : $"{User}@")}{Host}{(Port is { } port ? $":{port}" : "")}";

    /// <exception cref="ArgumentException">A setting is missing or invalid; the message names it.</exception>
    internal void Validate(string optionsType)
    {
        string Option(string name) => $"{optionsType}.Ssh.{name}";
        Security.ControlCharacters.Refuse(this, $"{optionsType}.Ssh");
        if (string.IsNullOrWhiteSpace(Host) || Host.Any(char.IsWhiteSpace) || Host.StartsWith('-'))
        {
            throw new ArgumentException($"{Option(nameof(Host))} = \"{Host}\" must be a host name or address, e.g. Host = \"login1.example.org\".", nameof(Host));
        }

        if (User is not null && (User.Length == 0 || User.Any(char.IsWhiteSpace) || User.StartsWith('-') || User.Contains('@')))
        {
            throw new ArgumentException($"{Option(nameof(User))} = \"{User}\" must be a user name, e.g. User = \"alice\".", nameof(User));
        }

        if (Port is not null and not (> 0 and <= 65535))
        {
            throw new ArgumentException($"{Option(nameof(Port))} = {Port} must be a port between 1 and 65535, e.g. Port = 22.", nameof(Port));
        }

        if (IdentityFile is not null && !File.Exists(JobScripts.JobDefinition.ExpandHome(IdentityFile)))
        {
            throw new ArgumentException($"{Option(nameof(IdentityFile))} = \"{IdentityFile}\" does not exist; point it at a private key such as ~/.ssh/id_ed25519.", nameof(IdentityFile));
        }
    }
}
