using System.Diagnostics;
using JobQueue.Checkpoints;
using JobQueue.Coordination;
using JobQueue.Serialization;
using JobQueue.JobScripts;

namespace JobQueue;

/// <summary>
/// How a map's items reach the coordinator: checked options, each item encoded and given a task record that points
/// back to its future, items already in the checkpoint completed at once, and with <see cref="MapOptions.ChunkSize"/>
/// one chunk at a time, the next once the previous has finished.
/// </summary>
internal static class MapSubmission
{
    /// <summary>Checks a map's options.</summary>
    /// <exception cref="ArgumentException">An option is out of range; the message names it and shows an accepted value.</exception>
    public static void Validate(MapOptions options)
    {
        OptionChecks.Positive(options.AllowedFailures, nameof(MapOptions), nameof(MapOptions.AllowedFailures), "AllowedFailures = 3");
        OptionChecks.Positive(options.BatchSize, nameof(MapOptions), nameof(MapOptions.BatchSize), "BatchSize = 100 items per message, or 1 to send items alone");
        OptionChecks.Positive(options.ChunkSize, nameof(MapOptions), nameof(MapOptions.ChunkSize), "ChunkSize = 10000 items gathered before dispatch");
        if (options.Retries < 0)
        {
            throw new ArgumentException($"MapOptions.Retries = {options.Retries} must be 0 or more reruns of an item that threw, e.g. Retries = 2.", nameof(MapOptions.Retries));
        }

        if (options.RetryOn?.FirstOrDefault(name => string.IsNullOrWhiteSpace(name) || name.Any(char.IsWhiteSpace)) is { } badName)
        {
            throw new ArgumentException(
                $"MapOptions.RetryOn holds \"{badName}\", which is not an exception type name: give full or simple names, e.g. RetryOn = [\"System.TimeoutException\", \"IOException\"].",
                nameof(MapOptions.RetryOn));
        }

        ResourceAmounts.Check(options.Resources, $"{nameof(MapOptions)}.{nameof(MapOptions.Resources)}");
        if (options is { BatchSize: { } batch, ChunkSize: { } chunk } && chunk < batch)
        {
            throw new ArgumentException(
                $"MapOptions.ChunkSize = {chunk} is smaller than MapOptions.BatchSize = {batch}: a chunk gathers whole messages, e.g. BatchSize = 100 with ChunkSize = 10000.",
                nameof(MapOptions.ChunkSize));
        }
    }

    /// <summary>How the coordinator schedules the map's tasks, from its checked options; <paramref name="defaultPriority"/> when they set none.</summary>
    public static MapPolicy Policy(MapOptions options, int defaultPriority) =>
        new(options.AllowedFailures, options.Retries, options.RetryOn is null ? null : [.. options.RetryOn], options.Priority ?? defaultPriority,
            Resources: options.Resources is { Count: > 0 } resources ? resources.ToDictionary(StringComparer.Ordinal) : null);

    /// <summary>Encodes and queues the chunk of items that starts at <paramref name="first"/>; the next chunk follows once it has finished.</summary>
    public static void SubmitChunk<T>(Coordinator coordinator, MapState map, IReadOnlyList<T> items, Future[] futures, int first, int chunkSize, CheckpointedMap? checkpoint)
    {
        var count = Math.Min(chunkSize, items.Count - first);
        var started = Stopwatch.GetTimestamp();
        var arguments = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            arguments[i] = EncodeArgument(items[first + i], first + i);
            if (checkpoint is not null)
            {
                futures[first + i].Checkpoint = checkpoint.Track(items[first + i], arguments[i], first + i);
            }
        }

        // Items whose results the checkpoint holds complete now, and are not queued.
        if (checkpoint is not null)
        {
            var stored = checkpoint.Resume([.. futures.Skip(first).Take(count).Select(future => future.Checkpoint!)]);
            for (var i = 0; i < count; i++)
            {
                if (stored[i] is { } value)
                {
                    futures[first + i].Checkpoint = null;
                    futures[first + i].TrySetResult(value);
                }
            }
        }

        var tasks = new List<TaskRecord>(count);
        for (var i = 0; i < count; i++)
        {
            // Cancelled before its chunk was sent, or resumed from the checkpoint.
            if (!futures[first + i].Completion.IsCompleted)
            {
                var task = new TaskRecord(map, first + i, arguments[i], futures[first + i]);
                futures[first + i].Bind(coordinator, task);
                tasks.Add(task);
            }
        }

        map.Statistics.AddEncoding(Stopwatch.GetElapsedTime(started));
        coordinator.Submit(tasks);
        var next = first + count;
        if (next >= items.Count)
        {
            return;
        }

        _ = Task.WhenAll(futures.Skip(first).Take(count).Select(future => future.Completion)).ContinueWith(
            _ =>
            {
                try
                {
                    SubmitChunk(coordinator, map, items, futures, next, chunkSize, checkpoint);
                }
                catch (Exception exception) when (exception is ArgumentException or ObjectDisposedException)
                {
                    // Nobody waits on this continuation: the futures not yet queued carry the error.
                    foreach (var future in futures.Skip(next))
                    {
                        future.TrySetException(exception);
                    }
                }
            },
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }


    private static byte[] EncodeArgument<T>(T item, int index)
    {
        try
        {
            return ValueCodec.Encode(item, TypeAllowlist.Client, "item");
        }
        catch (UnsupportedValueException exception)
        {
            throw new ArgumentException($"Item {index} cannot be sent to workers: {exception.Message}.", "items", exception);
        }
    }
}
