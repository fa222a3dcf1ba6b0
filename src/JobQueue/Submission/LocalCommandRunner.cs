using System.Text;
using JobQueue.Options;

namespace JobQueue.Submission;

/// <summary>Runs commands on this machine, from <see cref="JobQueueOptions.CommandDirectory"/> or else from PATH.</summary>
internal sealed class LocalCommandRunner(string? commandDirectory) : ICommandRunner
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public string Where => "this machine";

    public Task<CommandResult> RunAsync(string command, IReadOnlyList<string> arguments, string? standardInput, CancellationToken cancellationToken, string? workingDirectory = null)
    {
        var where = commandDirectory is null ? "on PATH" : $"in {commandDirectory} (CommandDirectory)";
        return ProcessRunner.RunAsync(
            commandDirectory is null ? command : Path.Combine(commandDirectory, command), arguments, CommandResult.Describe(command, arguments),
            standardInput, workingDirectory,
            $"{command} could not be started: it was not found {where} or is not executable. Is the batch system's client installed here?",
            cancellationToken);
    }

    public Task<string> HomeDirectoryAsync(CancellationToken cancellationToken) => Task.FromResult(HomePath.Local);

    public async Task WriteFileAsync(string path, string content, CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(path)!;
        // CreateNew (O_EXCL) under a name nobody can guess: never opens a file or symbolic link planted in a shared directory.
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            if (!Directory.Exists(directory))
            {
                Directory.CreateDirectory(directory, OwnerOnly | UnixFileMode.UserExecute);
            }

            options.UnixCreateMode = OwnerOnly;
        }

        var temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        await using (var file = new FileStream(temporary, options))
        {
            await file.WriteAsync(Encoding.UTF8.GetBytes(content), cancellationToken).ConfigureAwait(false);
        }

        File.Move(temporary, path, overwrite: true);
    }

    public Task CreateDirectoryAsync(string path, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(path);
        return Task.CompletedTask;
    }

    public async Task<string?> ReadTailAsync(string path, int maxBytes, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        file.Seek(Math.Max(0, file.Length - maxBytes), SeekOrigin.Begin);
        using var reader = new StreamReader(file, Encoding.UTF8);
        return await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task DeleteFileAsync(string path, CancellationToken cancellationToken)
    {
        File.Delete(path);
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
