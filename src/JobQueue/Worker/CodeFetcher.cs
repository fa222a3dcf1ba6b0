using Google.Protobuf;
using JobQueue.Protocol;
using JobQueue.Serialization;
using JobQueue.Shipping;
using Microsoft.Extensions.Logging;

namespace JobQueue.Worker;

/// <summary>
/// Loads the functions the coordinator defines: fetches the files a definition names that the node's cache lacks
/// (once, however many definitions need them), receives their chunks, then loads the function from its code version.
/// </summary>
internal sealed class CodeFetcher(FileCache files, Outbox outbox, ILogger logger)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<uint, Task<LoadedFunction>> _functions = [];
    private readonly Dictionary<ByteString, PendingFile> _fetching = [];

    /// <summary>Starts loading a definition the coordinator sent; its tasks wait for <see cref="Function"/>.</summary>
    public void Define(FunctionDefinition definition, CancellationToken ended)
    {
        lock (_gate)
        {
            _functions[definition.Id] = Task.Run(() => LoadAsync(definition), ended);
        }
    }

    /// <summary>The function with this id, loaded or loading; the coordinator defines a function before its first task.</summary>
    public Task<LoadedFunction> Function(uint id)
    {
        lock (_gate)
        {
            return _functions[id];
        }
    }

    /// <summary>Takes a chunk of a file asked for. Called on the read loop, so one file's chunks arrive in order.</summary>
    /// <exception cref="WireProtocolException">The coordinator sent a file nobody asked for.</exception>
    public void Receive(FileChunk chunk)
    {
        PendingFile? fetch;
        lock (_gate)
        {
            fetch = _fetching.GetValueOrDefault(chunk.Sha256);
        }

        if (fetch is null)
        {
            throw new WireProtocolException("The coordinator sent a file this worker did not ask for.");
        }

        try
        {
            if (chunk.Error.Length > 0)
            {
                throw new InvalidOperationException($"The coordinator could not send {fetch.File.Name}: {chunk.Error}");
            }

            fetch.Incoming ??= files.Receive(fetch.File);
            fetch.Incoming.Append(chunk.Data.Span);
            if (chunk.Last)
            {
                fetch.Incoming.Complete();
                EndFetch(fetch, null);
            }
        }
        catch (Exception exception) when (exception is InvalidOperationException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            EndFetch(fetch, exception);
        }
    }

    /// <summary>The connection ended: transfers under way fail, and so do the functions waiting for them.</summary>
    public void AbandonFetches()
    {
        PendingFile[] unfinished;
        lock (_gate)
        {
            unfinished = [.. _fetching.Values];
        }

        foreach (var fetch in unfinished)
        {
            EndFetch(fetch, new IOException("The connection to the coordinator ended during the transfer."));
        }
    }

    /// <summary>An argument that travelled as a shipped file: fetched unless the node has it, then read and checked against its hash.</summary>
    public async Task<ReadOnlyMemory<byte>> FetchValueAsync(ShippedFile file)
    {
        await FetchAsync([file], file.Name).ConfigureAwait(false);
        return files.ReadVerified(file);
    }

    private async Task<LoadedFunction> LoadAsync(FunctionDefinition definition)
    {
        var needed = definition.Assemblies.Concat(definition.NativeLibraries).Concat(definition.ExternalValues.Select(value => value.Content));
        await FetchAsync(definition.TargetFile is { } target ? needed.Append(target) : needed, definition.MethodName).ConfigureAwait(false);
        try
        {
            return LoadedFunction.Load(definition, CodeLoadContext.For(definition, files), files);
        }
        catch (Exception exception) when (ValueCodec.IsDecodingFailure(exception))
        {
            // Its tasks fail with this error; the log says once that the worker refused what it was sent.
            logger.LogWarning("Refused function {Function}: {Reason}", definition.MethodName, exception.Message);
            throw;
        }
    }

    // Each file is asked for once, however many wait for it.
    private Task FetchAsync(IEnumerable<ShippedFile> needed, string neededBy)
    {
        var waits = new List<Task>();
        var request = new FetchFiles();
        lock (_gate)
        {
            foreach (var file in needed.Where(file => !files.Contains(file)))
            {
                if (!_fetching.TryGetValue(file.Sha256, out var fetch))
                {
                    _fetching[file.Sha256] = fetch = new PendingFile(file);
                    request.Sha256.Add(file.Sha256);
                }

                waits.Add(fetch.Arrived.Task);
            }
        }

        if (request.Sha256.Count > 0)
        {
            logger.LogDebug("Fetching {Count} files for {Function}", request.Sha256.Count, neededBy);
            outbox.Post(new FromWorker { Fetch = request });
        }

        return Task.WhenAll(waits);
    }

    private void EndFetch(PendingFile fetch, Exception? failure)
    {
        fetch.Incoming?.Dispose();
        lock (_gate)
        {
            _fetching.Remove(fetch.File.Sha256);
        }

        if (failure is null)
        {
            fetch.Arrived.TrySetResult();
        }
        else
        {
            fetch.Arrived.TrySetException(failure);
        }
    }

    /// <summary>A file asked for and not yet complete.</summary>
    private sealed class PendingFile(ShippedFile file)
    {
        public ShippedFile File { get; } = file;

        public FileCache.IncomingFile? Incoming { get; set; }

        public TaskCompletionSource Arrived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
