namespace JobQueue.Submission;

/// <summary>Runs the batch system's commands, on this machine or elsewhere.</summary>
internal interface ICommandRunner
{
    /// <summary>Runs <paramref name="command"/>, feeding it <paramref name="standardInput"/> when given.</summary>
    /// <exception cref="BatchCommandException">The command could not be started.</exception>
    Task<CommandResult> RunAsync(string command, IReadOnlyList<string> arguments, string? standardInput, CancellationToken cancellationToken);
}
