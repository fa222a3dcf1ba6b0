using JobQueue.Options;
using JobQueue.Submission.SshNet;
using Microsoft.Extensions.Logging;

namespace JobQueue.Submission;

/// <summary>The SSH client <see cref="SshOptions.Client"/> names, for a batch cluster's login node or the hosts of an SSH cluster.</summary>
internal static class SshRunners
{
    /// <param name="ssh">Validated options with their <see cref="SshOptions.Host"/> set.</param>
    /// <param name="commandDirectory">Where the commands are on the remote side, or null for its PATH.</param>
    /// <param name="commandTimeout">OpenSSH only: bounds closing its master connection at dispose.</param>
    /// <param name="logger">Where SSH.NET's runner logs its logins, commands and copies.</param>
    public static IRemoteRunner Create(SshOptions ssh, string? commandDirectory, TimeSpan commandTimeout, ILogger logger) =>
        ssh.Client == SshClientKind.OpenSsh
            ? new SshCommandRunner(ssh, commandDirectory, commandTimeout)
            : new SshNetCommandRunner(ssh, commandDirectory, logger);
}
