using JobQueue.Submission;

namespace JobQueue;

/// <summary>What a finished command printed and how it exited.</summary>
/// <param name="CommandLine">The command and its arguments as one shell line, for messages.</param>
/// <param name="ExitCode">The command's exit code.</param>
/// <param name="StandardOutput">Everything it wrote to standard output.</param>
/// <param name="StandardError">Everything it wrote to standard error.</param>
public sealed record CommandResult(string CommandLine, int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>This result, or a <see cref="BatchCommandException"/> carrying everything the command printed when it failed.</summary>
    public CommandResult EnsureSuccess()
    {
        if (ExitCode == 0)
        {
            return this;
        }

        var said = StandardError.Trim() is { Length: > 0 } error ? error : StandardOutput.Trim();
        throw new BatchCommandException(
            $"{CommandLine} exited with code {ExitCode}: {(said.Length > 0 ? said : "it printed nothing")}",
            CommandLine, ExitCode, StandardOutput, StandardError);
    }

    internal static string Describe(string command, IReadOnlyList<string> arguments) => ShellWords.Join([command, .. arguments]);
}
