using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using JobQueue.Options;

namespace JobQueue.Submission;

/// <summary>
/// Runs commands on a remote host through the system's <c>ssh</c>. The first command opens a master connection
/// (ControlMaster) whose socket lives in a private directory; every later command reuses it. Remote commands are
/// single shell lines built from quoted words; file contents always travel on standard input.
/// </summary>
internal sealed partial class SshCommandRunner : IRemoteRunner
{
    private const int MissingFileExit = 44;
    private static readonly TimeSpan MasterLinger = TimeSpan.FromSeconds(60);

    private readonly SshOptions _options;
    private readonly string? _commandDirectory;
    private readonly TimeSpan _commandTimeout;
    private readonly string _controlDirectory;
    private readonly IReadOnlyList<string> _sshArguments;
    private readonly SemaphoreSlim _firstConnection = new(1, 1);
    private bool _connected;
    private string? _home;

    // commandTimeout bounds closing the master connection at dispose; TimedCommandRunner bounds every other call.
    public SshCommandRunner(SshOptions options, string? commandDirectory, TimeSpan commandTimeout)
    {
        _options = options;
        _commandDirectory = commandDirectory;
        _commandTimeout = commandTimeout;
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("SshOptions.Client = SshClientKind.OpenSsh needs OpenSSH connection sharing (ControlMaster), which Windows' ssh lacks; use the default SshClientKind.SshNet, run from Linux or macOS, or run on the login node itself.");
        }

        _controlDirectory = Path.Combine(Path.GetTempPath(), $"jobqueue-ssh-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}");
        Directory.CreateDirectory(_controlDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        List<string> arguments =
        [
            "-o", "BatchMode=yes",
            "-o", "ConnectTimeout=20",
            "-o", "ServerAliveInterval=15",
            "-o", "ControlMaster=auto",
            "-o", $"ControlPath={Path.Combine(_controlDirectory, "%C")}",
            "-o", $"ControlPersist={(int)MasterLinger.TotalSeconds}",
        ];
        if (options.User is { } user)
        {
            arguments.AddRange(["-l", user]);
        }

        if (options.Port is { } port)
        {
            arguments.AddRange(["-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }

        if (options.IdentityFile is { } identity)
        {
            arguments.AddRange(["-i", HomePath.Expand(identity), "-o", "IdentitiesOnly=yes"]);
        }

        if (options.KnownHostsFile is { } knownHosts)
        {
            // As with SSH.NET: a key missing from the file is refused, never added to it.
            arguments.AddRange(["-o", $"UserKnownHostsFile={HomePath.Expand(knownHosts)}", "-o", "StrictHostKeyChecking=yes"]);
        }

        arguments.AddRange(options.ExtraArgs ?? []);
        _sshArguments = arguments;
    }

    public string Where => _options.Destination;

    public async Task<CommandResult> RunAsync(string command, IReadOnlyList<string> arguments, string? standardInput, CancellationToken cancellationToken, string? workingDirectory = null)
    {
        var result = await RunRemoteAsync(RemoteShell.CommandLine(_commandDirectory, command, arguments, workingDirectory), standardInput, cancellationToken).ConfigureAwait(false);
        return result with { CommandLine = $"{CommandResult.Describe(command, arguments)} (on {Where})" };
    }

    public async Task<string> HomeDirectoryAsync(CancellationToken cancellationToken) =>
        _home ??= RemoteShell.HomeDirectory(await RunShellAsync(RemoteShell.HomeDirectoryCommand, cancellationToken).ConfigureAwait(false), Where);

    public async Task WriteFileAsync(string path, string content, CancellationToken cancellationToken)
    {
        (await RunRemoteAsync(ExclusiveWriteCommand(path), content, cancellationToken).ConfigureAwait(false)).EnsureSuccess();
    }

    /// <summary>
    /// The remote shell line that writes standard input to <paramref name="path"/>: into a fresh file that mktemp
    /// creates exclusively (0600, a name nobody can guess) in the same directory, then renamed over the path, so
    /// that a file or symbolic link another user planted there is never written through.
    /// </summary>
    private static string ExclusiveWriteCommand(string path)
    {
        var file = ShellWords.Quote(path);
        var directory = path[..Math.Max(path.LastIndexOf('/'), 1)];
        var template = ShellWords.Quote($"{path}.XXXXXXXXXX");
        return $"umask 077 && mkdir -p {ShellWords.Quote(directory)} && temporary=$(mktemp {template}) && {{ cat > \"$temporary\" && mv -f \"$temporary\" {file} || {{ rm -f \"$temporary\"; exit 1; }}; }}";
    }

    public async Task CreateDirectoryAsync(string path, CancellationToken cancellationToken) =>
        (await RunShellAsync($"mkdir -p {ShellWords.Quote(path)}", cancellationToken).ConfigureAwait(false)).EnsureSuccess();

    /// <summary>Runs one remote shell line built from quoted words.</summary>
    public Task<CommandResult> RunShellAsync(string remoteCommand, CancellationToken cancellationToken) =>
        RunRemoteAsync(remoteCommand, null, cancellationToken);

    public async Task<string?> ReadTailAsync(string path, int maxBytes, CancellationToken cancellationToken)
    {
        var file = ShellWords.Quote(path);
        var result = await RunRemoteAsync($"if [ -f {file} ]; then tail -c {maxBytes} {file}; else exit {MissingFileExit}; fi", null, cancellationToken).ConfigureAwait(false);
        return result.ExitCode == MissingFileExit ? null : result.EnsureSuccess().StandardOutput;
    }

    public async Task DeleteFileAsync(string path, CancellationToken cancellationToken) =>
        (await RunShellAsync($"rm -f {ShellWords.Quote(path)}", cancellationToken).ConfigureAwait(false)).EnsureSuccess();

    public async Task<bool> FileExistsAsync(string path, CancellationToken cancellationToken) =>
        (await RunShellAsync($"test -e {ShellWords.Quote(path)}", cancellationToken).ConfigureAwait(false)).ExitCode == 0;

    /// <summary>The files travel as a tar stream on standard input and are unpacked aside, then renamed.</summary>
    public async Task UploadDirectoryAsync(string directory, IReadOnlyList<string> files, string marker, CancellationToken cancellationToken)
    {
        var quoted = ShellWords.Quote(directory);
        var unpack = $"set -e; t={quoted}.$$; mkdir -p \"$t\"; tar -xf - -C \"$t\"; touch \"$t\"/{ShellWords.Quote(marker)}; mv -T \"$t\" {quoted} 2>/dev/null || rm -rf \"$t\"";
        (await RunRemoteAsync(unpack, null, cancellationToken, (stream, token) => WriteTarAsync(stream, files, token)).ConfigureAwait(false)).EnsureSuccess();
    }

    public async ValueTask DisposeAsync()
    {
        if (_connected)
        {
            // Closes the master connection now rather than after ControlPersist, which ends it anyway if this hangs.
            using var limit = new CancellationTokenSource(_commandTimeout);
            try
            {
                await ProcessRunner.RunAsync("ssh", [.. _sshArguments, "-O", "exit", _options.Host!], "ssh -O exit", null, null, "ssh could not be started", limit.Token)
                    .ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Killed at the timeout: the master lingers at most MasterLinger.
            }
        }

        Directory.Delete(_controlDirectory, recursive: true);
        _firstConnection.Dispose();
    }

    private async Task<CommandResult> RunRemoteAsync(string remoteCommand, string? standardInput, CancellationToken cancellationToken, Func<Stream, CancellationToken, Task>? writeInput = null)
    {
        // The first command opens the master; commands started while it authenticates would each open their own connection.
        var first = !_connected;
        if (first)
        {
            await _firstConnection.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            var result = await ProcessRunner.RunAsync(
                "ssh", [.. _sshArguments, "--", _options.Host!, remoteCommand], $"ssh {Where} {remoteCommand}", standardInput, null,
                "ssh could not be started: is the OpenSSH client installed and on PATH?", cancellationToken, writeInput).ConfigureAwait(false);
            if (result.ExitCode == 255)
            {
                throw ConnectionFailure(result);
            }

            _connected = true;
            return result;
        }
        finally
        {
            if (first)
            {
                _firstConnection.Release();
            }
        }
    }

    private static async Task WriteTarAsync(Stream output, IReadOnlyList<string> files, CancellationToken cancellationToken)
    {
        await using var tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        foreach (var file in files)
        {
            await tar.WriteEntryAsync(file, Path.GetFileName(file), cancellationToken).ConfigureAwait(false);
        }
    }

    private BatchCommandException ConnectionFailure(CommandResult result)
    {
        var said = result.StandardError.Trim();
        var why = HostKeyProblem().IsMatch(said)
            ? $"the host key of {_options.Host} is unknown or has changed ({said}). Check the key fingerprint and add it to known_hosts (e.g. ssh-keyscan, or one interactive ssh login), or point SshOptions.KnownHostsFile at a file that has it."
            : AuthenticationProblem().IsMatch(said)
                ? $"the login was refused ({said}). Check SshOptions.User and SshOptions.IdentityFile, that the key is in ~/.ssh/authorized_keys there, and that it needs no passphrase (or is in ssh-agent): ssh runs with BatchMode=yes and cannot ask."
                : $"ssh could not connect or the connection broke ({(said.Length > 0 ? said : "it printed nothing")}).";
        return new BatchCommandException($"ssh to {Where} failed: {why}", result.CommandLine, result.ExitCode, result.StandardOutput, result.StandardError);
    }

    [GeneratedRegex(@"Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No (?:\w+ )?host key is known", RegexOptions.IgnoreCase)]
    private static partial Regex HostKeyProblem();

    [GeneratedRegex(@"Permission denied|Too many authentication failures|no mutual signature", RegexOptions.IgnoreCase)]
    private static partial Regex AuthenticationProblem();
}
