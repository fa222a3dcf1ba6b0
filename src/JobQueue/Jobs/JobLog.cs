namespace JobQueue;

/// <summary>What a batch job wrote to its standard output and error, read from the log directory (over SSH too).</summary>
/// <param name="JobId">The job.</param>
/// <param name="StandardOutput">The end of its standard output (at most 1 MiB), or null when the file does not exist (yet).</param>
/// <param name="StandardError">The end of its standard error, or null when it does not exist or goes to standard output (Grid Engine's <c>-j y</c>).</param>
/// <param name="Paths">The files looked at, in the order above.</param>
public sealed record JobLog(string JobId, string? StandardOutput, string? StandardError, IReadOnlyList<string> Paths)
{
    /// <summary>The last <paramref name="lines"/> lines of standard output and error together.</summary>
    public string Tail(int lines = 20)
    {
        var all = $"{StandardOutput}{(StandardOutput is { Length: > 0 } && StandardError is { Length: > 0 } ? "\n" : "")}{StandardError}"
            .TrimEnd()
            .Split('\n');
        return string.Join('\n', all.TakeLast(lines));
    }
}
