using System.Diagnostics;
using JobQueue.Checkpoints;
using JobQueue.Coordination;
using JobQueue.Serialization;
using JobQueue.JobScripts;

namespace JobQueue;

/// <summary>
/// How a map's items reach the coordinator: checked options, and each item encoded and given a task record that
/// reports to its owner, items already in the checkpoint decided at once.
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
        OptionChecks.Positive(options.MaxInFlight, nameof(MapOptions), nameof(MapOptions.MaxInFlight), "MaxInFlight = 100000 items of a MapStream between reading and yielding");
        if (options is { BatchSize: { } batch, ChunkSize: { } chunk } && chunk < batch)
        {
            throw new ArgumentException(
                $"MapOptions.ChunkSize = {chunk} is smaller than MapOptions.BatchSize = {batch}: a chunk gathers whole messages, e.g. BatchSize = 100 with ChunkSize = 10000.",
                nameof(MapOptions.ChunkSize));
        }
    }

    /// <summary>
    /// Encodes <paramref name="count"/> items from <paramref name="first"/> and returns the task records to queue. An
    /// item's index in its map is <paramref name="indexOffset"/> plus its position in <paramref name="items"/>; items
    /// already decided (cancelled) are skipped, and those whose results the checkpoint holds are decided from it instead.
    /// </summary>
    /// <exception cref="ArgumentException">An item cannot be sent to workers, or the checkpoint's key failed for it.</exception>
    public static List<TaskRecord> Prepare<T>(
        Coordinator coordinator, MapState map, IReadOnlyList<T> items, int first, int count, long indexOffset, IItemSlots slots, CheckpointedMap? checkpoint)
    {
        var started = Stopwatch.GetTimestamp();
        var arguments = new byte[count][];
        var tracked = new List<(int Position, CheckpointEntry Entry)>();
        for (var i = 0; i < count; i++)
        {
            var index = indexOffset + first + i;
            if (slots.IsDecided(index))
            {
                continue;
            }

            arguments[i] = EncodeArgument(items[first + i], index);
            if (checkpoint is not null)
            {
                var entry = checkpoint.Track(items[first + i], arguments[i], index);
                slots.SetCheckpoint(index, entry);
                tracked.Add((i, entry));
            }
        }

        // Items whose results the checkpoint holds are decided now, and are not queued.
        if (checkpoint is not null)
        {
            var stored = checkpoint.Resume([.. tracked.Select(item => item.Entry)]);
            for (var j = 0; j < stored.Length; j++)
            {
                if (stored[j] is { } value)
                {
                    var index = indexOffset + first + tracked[j].Position;
                    slots.SetCheckpoint(index, null);
                    slots.Resume(index, value);
                }
            }
        }

        var tasks = new List<TaskRecord>(count);
        for (var i = 0; i < count; i++)
        {
            var index = indexOffset + first + i;
            if (arguments[i] is { } argument && !slots.IsDecided(index))
            {
                var task = new TaskRecord(map, index, argument, slots.OwnerOf(index));
                slots.Queued(index, coordinator, task);
                tasks.Add(task);
            }
        }

        map.Statistics.AddEncoding(Stopwatch.GetElapsedTime(started));
        return tasks;
    }

    private static byte[] EncodeArgument<T>(T item, long index)
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
