namespace JobQueue.Submission;

/// <summary>Runs the batch system's commands and handles the files jobs share with the cluster, on this machine or over SSH.</summary>
internal interface ICommandRunner : IAsyncDisposable
{
    /// <summary>Where the commands run, for messages: "this machine" or "user@host".</summary>
    string Where { get; }

    /// <summary>Runs <paramref name="command"/> in <paramref name="workingDirectory"/> (or the default), feeding it <paramref name="standardInput"/> when given.</summary>
    /// <exception cref="BatchCommandException">The command could not be started (or, over SSH, the connection failed).</exception>
    Task<CommandResult> RunAsync(string command, IReadOnlyList<string> arguments, string? standardInput, CancellationToken cancellationToken, string? workingDirectory = null);

    /// <summary>The home directory of the user the commands run as.</summary>
    Task<string> HomeDirectoryAsync(CancellationToken cancellationToken);

    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/> readable by its owner only, creating the directory; the file appears whole or not at all.</summary>
    Task WriteFileAsync(string path, string content, CancellationToken cancellationToken);

    /// <summary>Creates <paramref name="path"/> and its parents when missing.</summary>
    Task CreateDirectoryAsync(string path, CancellationToken cancellationToken);

    /// <summary>The last <paramref name="maxBytes"/> bytes of <paramref name="path"/>, or null when it does not exist.</summary>
    Task<string?> ReadTailAsync(string path, int maxBytes, CancellationToken cancellationToken);

    /// <summary>Deletes <paramref name="path"/> when it exists.</summary>
    Task DeleteFileAsync(string path, CancellationToken cancellationToken);
}
