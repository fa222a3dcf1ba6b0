using JobQueue.Options;
namespace JobQueue;

/// <summary>
/// Submit through SSH to a login node: one connection carries every command, job scripts and the cluster secret travel
/// on standard input or SFTP, never on a command line. The default client is SSH.NET (<see cref="SshClientKind.SshNet"/>);
/// <see cref="Client"/> = <see cref="SshClientKind.OpenSsh"/> runs the system's ssh instead.
/// </summary>
public sealed record SshOptions
{
    /// <summary>The login node, e.g. <c>"login1.cluster.example.org"</c>; required.</summary>
    public string? Host { get; init; }

    /// <summary>User name on <see cref="Host"/>. <value>The default is ssh's (its configuration, else the local user).</value></summary>
    public string? User { get; init; }

    /// <summary>SSH port. <value>The default is ssh's (22).</value></summary>
    public int? Port { get; init; }

    /// <summary>
    /// Private key to log in with. <value>The default is, with SSH.NET, the first of <c>~/.ssh/id_ed25519</c>,
    /// <c>id_ecdsa</c>, <c>id_rsa</c> that exists; with OpenSSH, ssh's keys and agent.</value>
    /// </summary>
    public string? IdentityFile { get; init; }

    /// <summary>The SSH client. <value>The default is <see cref="SshClientKind.SshNet"/>.</value></summary>
    public SshClientKind Client { get; init; }

    /// <summary>
    /// The known-hosts file the login node's key must be in; an unknown or changed key is refused, never added.
    /// <value>The default is <c>~/.ssh/known_hosts</c> (OpenSSH: its own configuration).</value>
    /// </summary>
    public string? KnownHostsFile { get; init; }

    /// <summary>SSH.NET only: gives the passphrase of an encrypted key, called with the key file's path.</summary>
    public Func<string, string>? IdentityPassphrase { get; init; }

    /// <summary>
    /// SSH.NET only: answers a keyboard-interactive question (password, one-time code); called once per question of each
    /// login. <value>The default is no keyboard-interactive login.</value>
    /// </summary>
    public Func<SshPrompt, string>? KeyboardInteractive { get; init; }

    /// <summary>OpenSSH only: more ssh arguments, e.g. <c>["-J", "gateway"]</c>.</summary>
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

        if (IdentityFile is not null && !File.Exists(HomePath.Expand(IdentityFile)))
        {
            throw new ArgumentException($"{Option(nameof(IdentityFile))} = \"{IdentityFile}\" does not exist; point it at a private key such as ~/.ssh/id_ed25519.", nameof(IdentityFile));
        }

        ValidateClient(Option);
    }

    private void ValidateClient(Func<string, string> option)
    {
        if (!Enum.IsDefined(Client))
        {
            throw new ArgumentException($"{option(nameof(Client))} = {(int)Client} is not a client; use SshClientKind.SshNet or SshClientKind.OpenSsh.", nameof(Client));
        }

        if (ExtraArgs is not null && Client != SshClientKind.OpenSsh)
        {
            throw new ArgumentException(
                $"{option(nameof(ExtraArgs))} is for the system's ssh only: set {option(nameof(Client))} = SshClientKind.OpenSsh to pass ssh arguments, or use {option(nameof(KnownHostsFile))} and {option(nameof(IdentityFile))} with SSH.NET.",
                nameof(ExtraArgs));
        }

        if (Client == SshClientKind.OpenSsh && (IdentityPassphrase is not null || KeyboardInteractive is not null))
        {
            throw new ArgumentException(
                $"{option(nameof(IdentityPassphrase))} and {option(nameof(KeyboardInteractive))} are for SSH.NET: the system's ssh runs in batch mode and cannot ask; use ssh-agent, or Client = SshClientKind.SshNet.",
                nameof(KeyboardInteractive));
        }
    }
}
