namespace JobQueue.Submission;

/// <summary>
/// Bounds every call of another runner by <see cref="JobQueueOptions.CommandTimeout"/>: a hung squeue, qstat or ssh
/// would otherwise stall polling and scaling, and keep dispose waiting forever. At the timeout the call's token is
/// cancelled (which kills the process tree it started, or closes the SSH channel) and the call fails with a
/// <see cref="BatchCommandException"/> saying it timed out, whose inner exception is a <see cref="TimeoutException"/>.
/// </summary>
internal class TimedCommandRunner : ICommandRunner
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    // CancellationTokenSource.CancelAfter takes at most int.MaxValue milliseconds.
    private static readonly TimeSpan LongestTimeout = TimeSpan.FromDays(1);

    private readonly ICommandRunner _inner;
    private readonly TimeSpan _timeout;
    private readonly string _optionsType;

    private protected TimedCommandRunner(ICommandRunner inner, TimeSpan timeout, string optionsType)
    {
        _inner = inner;
        _timeout = timeout;
        _optionsType = optionsType;
    }

    public string Where => _inner.Where;

    /// <summary>The timeout <paramref name="configured"/> asks for, or the default.</summary>
    /// <exception cref="ArgumentException">It is not positive or longer than a day; the message names the option.</exception>
    public static TimeSpan Resolve(TimeSpan? configured, string optionsType)
    {
        var timeout = configured ?? DefaultTimeout;
        return timeout > TimeSpan.Zero && timeout <= LongestTimeout
            ? timeout
            : throw new ArgumentException(
                $"{optionsType}.CommandTimeout = {timeout} must be positive and at most a day, e.g. CommandTimeout = TimeSpan.FromSeconds(60).",
                nameof(JobQueueOptions.CommandTimeout));
    }

    /// <summary><paramref name="inner"/> with each call bounded by <paramref name="timeout"/>; a remote runner stays one.</summary>
    public static ICommandRunner Wrap(ICommandRunner inner, TimeSpan timeout, string optionsType) =>
        inner is IRemoteRunner remote ? new TimedRemoteRunner(remote, timeout, optionsType) : new TimedCommandRunner(inner, timeout, optionsType);

    public Task<CommandResult> RunAsync(string command, IReadOnlyList<string> arguments, string? standardInput, CancellationToken cancellationToken, string? workingDirectory = null) =>
        WithinTimeoutAsync(CommandResult.Describe(command, arguments), token => _inner.RunAsync(command, arguments, standardInput, token, workingDirectory), cancellationToken);

    public Task<string> HomeDirectoryAsync(CancellationToken cancellationToken) =>
        WithinTimeoutAsync("asking for the home directory", _inner.HomeDirectoryAsync, cancellationToken);

    public Task WriteFileAsync(string path, string content, CancellationToken cancellationToken) =>
        WithinTimeoutAsync($"writing {path}", token => Done(_inner.WriteFileAsync(path, content, token)), cancellationToken);

    public Task CreateDirectoryAsync(string path, CancellationToken cancellationToken) =>
        WithinTimeoutAsync($"creating {path}", token => Done(_inner.CreateDirectoryAsync(path, token)), cancellationToken);

    public Task<string?> ReadTailAsync(string path, int maxBytes, CancellationToken cancellationToken) =>
        WithinTimeoutAsync($"reading {path}", token => _inner.ReadTailAsync(path, maxBytes, token), cancellationToken);

    public Task DeleteFileAsync(string path, CancellationToken cancellationToken) =>
        WithinTimeoutAsync($"deleting {path}", token => Done(_inner.DeleteFileAsync(path, token)), cancellationToken);

    public ValueTask DisposeAsync() => _inner.DisposeAsync();

    private protected static async Task<bool> Done(Task task)
    {
        await task.ConfigureAwait(false);
        return true;
    }

    private protected async Task<T> WithinTimeoutAsync<T>(string what, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(_timeout);
        try
        {
            // WaitAsync also ends the wait for a call that ignores its token (a blocking SFTP request on a dead link).
            return await call(limit.Token).WaitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (limit.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // Whatever the call threw once its time was up (cancelled, or a channel closed under it) is the timeout.
            throw new BatchCommandException(
                $"{what} on {Where} timed out after {_timeout.TotalSeconds:0.###} s and was stopped ({_optionsType}.CommandTimeout; raise it if the batch system or the link is only slow).",
                what, null, "", "", new TimeoutException($"{what} took longer than {_timeout}.", exception));
        }
    }

    /// <summary>The same for a remote runner, whose deployment calls are bounded too.</summary>
    private sealed class TimedRemoteRunner : TimedCommandRunner, IRemoteRunner
    {
        private readonly IRemoteRunner _remote;

        public TimedRemoteRunner(IRemoteRunner remote, TimeSpan timeout, string optionsType)
            : base(remote, timeout, optionsType) => _remote = remote;

        public Task<bool> FileExistsAsync(string path, CancellationToken cancellationToken) =>
            WithinTimeoutAsync($"looking for {path}", token => _remote.FileExistsAsync(path, token), cancellationToken);

        public Task UploadDirectoryAsync(string directory, IReadOnlyList<string> files, string marker, CancellationToken cancellationToken) =>
            WithinTimeoutAsync($"copying {files.Count} files to {directory}", token => Done(_remote.UploadDirectoryAsync(directory, files, marker, token)), cancellationToken);
    }
}
