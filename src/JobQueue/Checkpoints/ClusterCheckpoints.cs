using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace JobQueue.Checkpoints;

/// <summary>
/// The checkpoints a cluster's maps use, each opened on first use and closed with the cluster once every result
/// that arrived is stored.
/// </summary>
internal sealed class ClusterCheckpoints : IAsyncDisposable
{
    private readonly Dictionary<string, CheckpointStore> _stores = [];
    private readonly Lock _gate = new();
    private bool _disposed;

    /// <summary>The checkpoint of a map of <paramref name="items"/> items (null: a stream) with <paramref name="options"/>, or null when it has none.</summary>
    /// <exception cref="ArgumentException">Checkpoint settings without <see cref="MapOptions.Checkpoint"/>.</exception>
    /// <exception cref="CheckpointException">The checkpoint cannot be opened or belongs to another function.</exception>
    public CheckpointedMap? Open(Delegate function, MapOptions options, long? items, ILogger logger)
    {
        if (options.Checkpoint is not { } location)
        {
            return options.Key is null && options.CheckpointVersion is null
                ? null
                : throw new ArgumentException("MapOptions.Key and MapOptions.CheckpointVersion apply to a checkpoint: set MapOptions.Checkpoint too, e.g. Checkpoint = \"results.db\".", nameof(options));
        }

        var identity = FunctionIdentity.Of(function, options.CheckpointVersion);
        lock (_gate)
        {
            if (_disposed)
            {
                // Named as the user knows it: the checkpoints close with their cluster.
                throw new ObjectDisposedException("JobQueue.Cluster");
            }
            if (!_stores.TryGetValue(location, out var store))
            {
                store = CheckpointStore.Open(location, identity, logger);
                _stores[location] = store;
            }
            else if (store.Function.Hash != identity.Hash)
            {
                throw CheckpointStore.DifferentFunction(store.Display, store.Function.Name, store.Function.Hash, identity);
            }

            return new CheckpointedMap(store, options.Key, items, logger);
        }
    }

    public async ValueTask DisposeAsync()
    {
        CheckpointStore[] stores;
        lock (_gate)
        {
            _disposed = true;
            stores = [.. _stores.Values];
            _stores.Clear();
        }

        foreach (var store in stores)
        {
            await store.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>One map's use of a checkpoint: the key of each item, and which items are already done.</summary>
internal sealed class CheckpointedMap(CheckpointStore store, Func<object?, string>? key, long? items, ILogger logger)
{
    // Items looked up so far, and how many of them were stored: a map looks its items up a window at a time, and says
    // what the checkpoint held once, when the last window was looked up (a stream, after its first).
    private long _lookedUp;
    private long _found;

    // What the checkpoint held when the map began, read once: a map sends its items in many chunks (a stream in
    // many more), and what it stores itself meanwhile is for other items.
    private readonly Lazy<Dictionary<string, byte[]>> _stored = new(store.LoadResults);

    /// <summary>Where the result of the item at <paramref name="index"/> is stored as it arrives: its key in the checkpoint.</summary>
    /// <exception cref="ArgumentException"><see cref="MapOptions.Key"/> failed or gave no key.</exception>
    public CheckpointEntry Track(object? item, byte[] argument, long index) =>
        new(store, key is null ? DefaultKey(argument) : UserKey(item, index));

    /// <summary>The stored result of each entry, in order; null for those still to compute.</summary>
    public byte[]?[] Resume(IReadOnlyList<CheckpointEntry> entries)
    {
        var stored = _stored.Value;
        var values = new byte[]?[entries.Count];
        var toCompute = 0;
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = stored.GetValueOrDefault(entries[i].Key);
            toCompute += values[i] is null ? 1 : 0;
        }

        // Found first, so that whoever completes the count sees every window's finds.
        Interlocked.Add(ref _found, entries.Count - toCompute);
        var lookedUp = Interlocked.Add(ref _lookedUp, entries.Count);
        if (items is { } all && lookedUp == all)
        {
            var found = Interlocked.Read(ref _found);
            logger.LogInformation("Checkpoint {Checkpoint}: {Stored} of {Items} items of {Function} are stored, {ToRun} to compute",
                store.Display, found, all, store.Function.Name, all - found);
        }
        else if (items is null && lookedUp == entries.Count)
        {
            logger.LogInformation("Checkpoint {Checkpoint}: {Stored} of the first {Items} items of the stream of {Function} are stored",
                store.Display, entries.Count - toCompute, entries.Count, store.Function.Name);
        }

        return values;
    }

    // The first 128 bits of the SHA-256 of the item's encoding: equal items share a key whatever process encodes them.
    private static string DefaultKey(byte[] argument) => Convert.ToHexStringLower(SHA256.HashData(argument).AsSpan(0, 16));

    private string UserKey(object? item, long index)
    {
        string? userKey;
        try
        {
            userKey = key!(item);
        }
        catch (Exception exception)
        {
            throw new ArgumentException($"MapOptions.Key threw for item {index}: {exception.Message}", "options", exception);
        }

        return string.IsNullOrEmpty(userKey)
            ? throw new ArgumentException($"MapOptions.Key gave no key for item {index}: return a non-empty string that identifies the item, e.g. its id.", "options")
            : userKey;
    }
}

/// <summary>Where a checkpointed task's result goes.</summary>
internal sealed record CheckpointEntry(CheckpointStore Store, string Key);
