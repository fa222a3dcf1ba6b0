
namespace JobQueue.Submission;

/// <summary>The remote shell lines both SSH clients send: each is built from quoted words, never from file contents.</summary>
internal static class RemoteShell
{
    public const string HomeDirectoryCommand = "printf '%s' \"$HOME\"";

    /// <summary><paramref name="command"/> (from <paramref name="commandDirectory"/> when set) with its arguments, run in <paramref name="workingDirectory"/> when set.</summary>
    public static string CommandLine(string? commandDirectory, string command, IReadOnlyList<string> arguments, string? workingDirectory)
    {
        var program = commandDirectory is null ? command : $"{commandDirectory.TrimEnd('/')}/{command}";
        var line = ShellWords.Join([program, .. arguments]);
        return workingDirectory is null ? line : $"cd {ShellWords.Quote(workingDirectory)} && {line}";
    }

    /// <summary>The home directory that <see cref="HomeDirectoryCommand"/> printed.</summary>
    /// <exception cref="BatchCommandException">The command failed or printed nothing.</exception>
    public static string HomeDirectory(CommandResult result, string where) =>
        result.EnsureSuccess().StandardOutput.Trim() is { Length: > 0 } home
            ? home
            : throw new BatchCommandException($"{where} did not say what its home directory is ($HOME is empty).", result.CommandLine, result.ExitCode, result.StandardOutput, result.StandardError);
}
