using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace JobQueue.Submission.SshNet;

/// <summary>
/// Runs commands on the login node with SSH.NET: one SSH connection carries every command, and one SFTP connection
/// every file (job scripts, the secret, the WorkerHost), each opened at first use and logged in once per cluster.
/// Standard input and files carry the contents; command lines are built from quoted words only.
/// </summary>
internal sealed class SshNetCommandRunner : IRemoteRunner
{
    // SSH.NET takes modes written as octal digits in a decimal number: 600 is rw-------.
    private const short OwnerOnlyFile = 600;
    private const short OwnerOnlyDirectory = 700;

    private readonly SshNetLogin _login;
    private readonly string? _commandDirectory;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private SshClient? _ssh;
    private SftpClient? _sftp;
    private string? _home;

    public SshNetCommandRunner(SshOptions options, string? commandDirectory, ILogger logger)
    {
        _login = new SshNetLogin(options);
        _commandDirectory = commandDirectory;
        _logger = logger;
    }

    public string Where => _login.Where;

    public async Task<CommandResult> RunAsync(string command, IReadOnlyList<string> arguments, string? standardInput, CancellationToken cancellationToken, string? workingDirectory = null)
    {
        var result = await RunShellAsync(RemoteShell.CommandLine(_commandDirectory, command, arguments, workingDirectory), standardInput, cancellationToken).ConfigureAwait(false);
        return result with { CommandLine = $"{CommandResult.Describe(command, arguments)} (on {Where})" };
    }

    public async Task<string> HomeDirectoryAsync(CancellationToken cancellationToken) =>
        _home ??= RemoteShell.HomeDirectory(await RunShellAsync(RemoteShell.HomeDirectoryCommand, null, cancellationToken).ConfigureAwait(false), Where);

    /// <summary>
    /// Creates a temporary file beside <paramref name="path"/> exclusively (SFTP's CreateNew: an existing name, a
    /// symlink included, fails rather than being followed), makes it 0600 while still empty, writes it and renames it
    /// over <paramref name="path"/>. Directories it creates are 0700.
    /// </summary>
    public async Task WriteFileAsync(string path, string content, CancellationToken cancellationToken)
    {
        var sftp = await SftpAsync(cancellationToken).ConfigureAwait(false);
        await CreateDirectoriesAsync(sftp, Parent(path), OwnerOnlyDirectory, cancellationToken).ConfigureAwait(false);
        var temporary = $"{path}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}.tmp";
        _logger.LogDebug("SFTP writes {Path} on {Where}", path, Where);
        try
        {
            await using (var file = await sftp.OpenAsync(temporary, FileMode.CreateNew, FileAccess.Write, cancellationToken).ConfigureAwait(false))
            {
                sftp.ChangePermissions(temporary, OwnerOnlyFile);
                await file.WriteAsync(Encoding.UTF8.GetBytes(content), cancellationToken).ConfigureAwait(false);
            }

            // posix-rename replaces an existing file in one step, as mv -f does.
            sftp.RenameFile(temporary, path, isPosix: true);
        }
        catch (SshException exception)
        {
            await DeleteQuietlyAsync(sftp, temporary).ConfigureAwait(false);
            throw Failure($"SFTP could not write {path}", exception);
        }
    }

    public async Task CreateDirectoryAsync(string path, CancellationToken cancellationToken) =>
        await CreateDirectoriesAsync(await SftpAsync(cancellationToken).ConfigureAwait(false), path, null, cancellationToken).ConfigureAwait(false);

    public async Task<string?> ReadTailAsync(string path, int maxBytes, CancellationToken cancellationToken)
    {
        var sftp = await SftpAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var file = await sftp.OpenAsync(path, FileMode.Open, FileAccess.Read, cancellationToken).ConfigureAwait(false);
            file.Seek(Math.Max(0, file.Length - maxBytes), SeekOrigin.Begin);
            using var reader = new StreamReader(file, Encoding.UTF8);
            return await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SftpPathNotFoundException)
        {
            return null;
        }
    }

    public async Task DeleteFileAsync(string path, CancellationToken cancellationToken)
    {
        var sftp = await SftpAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await sftp.DeleteFileAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (SftpPathNotFoundException)
        {
            // Already gone: what was asked for.
        }
    }

    public async Task<bool> FileExistsAsync(string path, CancellationToken cancellationToken) =>
        await (await SftpAsync(cancellationToken).ConfigureAwait(false)).ExistsAsync(path, cancellationToken).ConfigureAwait(false);

    public async Task UploadDirectoryAsync(string directory, IReadOnlyList<string> files, string marker, CancellationToken cancellationToken)
    {
        var sftp = await SftpAsync(cancellationToken).ConfigureAwait(false);
        var aside = $"{directory}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}";
        _logger.LogInformation("Copying the WorkerHost to {Directory} on {Where} (SFTP)", directory, Where);
        try
        {
            await CreateDirectoriesAsync(sftp, aside, null, cancellationToken).ConfigureAwait(false);
            foreach (var file in files)
            {
                await using var source = File.OpenRead(file);
                await sftp.UploadFileAsync(source, $"{aside}/{Path.GetFileName(file)}", cancellationToken).ConfigureAwait(false);
            }

            await using (await sftp.OpenAsync($"{aside}/{marker}", FileMode.CreateNew, FileAccess.Write, cancellationToken).ConfigureAwait(false))
            {
            }

            await sftp.RenameFileAsync(aside, directory, cancellationToken).ConfigureAwait(false);
        }
        catch (SshException exception)
        {
            // Another cluster deployed the same content meanwhile: its copy serves.
            if (!await sftp.ExistsAsync($"{directory}/{marker}", cancellationToken).ConfigureAwait(false))
            {
                throw Failure($"SFTP could not copy the WorkerHost to {directory}", exception);
            }
        }
        finally
        {
            await DeleteTreeQuietlyAsync(sftp, aside).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _connecting.WaitAsync().ConfigureAwait(false);
        _ssh?.Dispose();
        _sftp?.Dispose();
        _login.Dispose();
        _connecting.Release();
        _connecting.Dispose();
    }

    private async Task<CommandResult> RunShellAsync(string remoteCommand, string? standardInput, CancellationToken cancellationToken)
    {
        var ssh = await SshAsync(cancellationToken).ConfigureAwait(false);
        _logger.LogDebug("SSH command on {Where}: {Command}", Where, remoteCommand);
        using var command = ssh.CreateCommand(remoteCommand, Encoding.UTF8);
        try
        {
            var execution = command.ExecuteAsync(cancellationToken);
            if (standardInput is not null)
            {
                // Closing the input stream sends end-of-file.
                await using var input = command.CreateInputStream();
                await input.WriteAsync(Encoding.UTF8.GetBytes(standardInput), cancellationToken).ConfigureAwait(false);
            }

            await execution.ConfigureAwait(false);
        }
        catch (SshException exception)
        {
            throw Failure($"running {remoteCommand} failed", exception);
        }

        var error = command.ExitSignal is { } signal ? $"{command.Error}(killed by signal {signal})" : command.Error;
        return new CommandResult($"ssh {Where} {remoteCommand}", command.ExitStatus ?? -1, command.Result, error);
    }

    private async Task<SshClient> SshAsync(CancellationToken cancellationToken) =>
        _ssh is { IsConnected: true } ssh ? ssh : await ConnectAsync(() => _ssh, client => _ssh = client, info => new SshClient(info), cancellationToken).ConfigureAwait(false);

    private async Task<SftpClient> SftpAsync(CancellationToken cancellationToken) =>
        _sftp is { IsConnected: true } sftp ? sftp : await ConnectAsync(() => _sftp, client => _sftp = client, info => new SftpClient(info), cancellationToken).ConfigureAwait(false);

    // Commands started while the first one logs in wait for that login instead of opening their own connection.
    private async Task<TClient> ConnectAsync<TClient>(Func<TClient?> current, Action<TClient> keep, Func<ConnectionInfo, TClient> create, CancellationToken cancellationToken)
        where TClient : BaseClient
    {
        await _connecting.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (current() is { IsConnected: true } connected)
            {
                return connected;
            }

            current()?.Dispose();
            var client = await _login.ConnectAsync(create, cancellationToken).ConfigureAwait(false);
            _logger.LogDebug("SSH.NET logged in to {Where} for {Purpose}", Where, client is SftpClient ? "SFTP" : "commands");
            keep(client);
            return client;
        }
        finally
        {
            _connecting.Release();
        }
    }

    private async Task CreateDirectoriesAsync(SftpClient sftp, string path, short? mode, CancellationToken cancellationToken)
    {
        var partial = path.StartsWith('/') ? "" : ".";
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            partial = $"{partial}/{part}";
            if (await sftp.ExistsAsync(partial, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            try
            {
                await sftp.CreateDirectoryAsync(partial, cancellationToken).ConfigureAwait(false);
                if (mode is { } permissions)
                {
                    sftp.ChangePermissions(partial, permissions);
                }
            }
            catch (SshException exception)
            {
                // Created by someone else meanwhile is fine.
                if (!await sftp.ExistsAsync(partial, cancellationToken).ConfigureAwait(false))
                {
                    throw Failure($"SFTP could not create {partial}", exception);
                }
            }
        }
    }

    private static async Task DeleteQuietlyAsync(SftpClient sftp, string path)
    {
        try
        {
            await sftp.DeleteFileAsync(path, CancellationToken.None).ConfigureAwait(false);
        }
        catch (SshException)
        {
            // It was never created, or the connection is gone; nothing else to do.
        }
    }

    private static async Task DeleteTreeQuietlyAsync(SftpClient sftp, string directory)
    {
        try
        {
            if (!await sftp.ExistsAsync(directory, CancellationToken.None).ConfigureAwait(false))
            {
                return;
            }

            await foreach (var entry in sftp.ListDirectoryAsync(directory, CancellationToken.None).ConfigureAwait(false))
            {
                if (entry.Name is not ("." or ".."))
                {
                    await sftp.DeleteFileAsync(entry.FullName, CancellationToken.None).ConfigureAwait(false);
                }
            }

            await sftp.DeleteDirectoryAsync(directory, CancellationToken.None).ConfigureAwait(false);
        }
        catch (SshException)
        {
            // A leftover aside directory wastes space but is never taken for a deployment (it has no final name).
        }
    }

    private static string Parent(string path) => path[..Math.Max(path.LastIndexOf('/'), 1)];

    private BatchCommandException Failure(string what, Exception exception) =>
        new($"ssh to {Where}: {what}: {exception.Message}", $"ssh {Where}", null, "", exception.Message, exception);
}
