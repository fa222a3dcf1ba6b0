namespace JobQueue;

/// <summary>A batch-system command (sbatch, qsub, …) failed, could not be started, or printed nothing usable.</summary>
public sealed class BatchCommandException : Exception
{
    public BatchCommandException(string message, string commandLine, int? exitCode, string standardOutput, string standardError, Exception? innerException = null)
        : base(message, innerException)
    {
        CommandLine = commandLine;
        ExitCode = exitCode;
        StandardOutput = standardOutput;
        StandardError = standardError;
    }

    /// <summary>The command as run, e.g. <c>sbatch --test-only</c> (a script went to its standard input).</summary>
    public string CommandLine { get; }

    /// <summary>The exit code, or null when the command could not be started.</summary>
    public int? ExitCode { get; }

    public string StandardOutput { get; }

    public string StandardError { get; }
}
