using Google.Protobuf;
using JobQueue.Protocol;

namespace JobQueue.Coordination;

/// <summary>
/// Results that a worker sent in pieces (<see cref="ValuePart"/>) ahead of the partition's result, assembled per
/// item and put back into that result's values when it arrives. Used by the worker's read loop only. A worker that
/// claims a value over its map's <c>MaxResultSize</c>, sends more than it claimed, or reports a value it did not send
/// fails that item alone.
/// </summary>
internal sealed class IncomingValues
{
    private readonly Dictionary<(ulong Partition, uint Item), Incoming> _values = [];

    /// <summary>Whether no piece of a value waits for its partition's result.</summary>
    public bool IsEmpty => _values.Count == 0;

    /// <summary>Takes a piece of a value for a partition the worker holds, whose map allows results up to <paramref name="limit"/> bytes.</summary>
    public void Add(ValuePart part, long limit)
    {
        var key = (part.Partition, part.Item);
        if (!_values.TryGetValue(key, out var value))
        {
            _values[key] = value = part.Size > (ulong)Math.Min(limit, Array.MaxLength)
                ? new Incoming(null, $"its result is {part.Size} bytes, over MapOptions.MaxResultSize ({limit} bytes); raise MaxResultSize to receive it")
                : new Incoming(new byte[part.Size], null);
        }

        if (value.Bytes is null)
        {
            return;
        }

        if ((ulong)value.Bytes.Length != part.Size || value.Filled + part.Data.Length > value.Bytes.Length)
        {
            _values[key] = new Incoming(null, "the worker sent more of its result than the size it announced");
            return;
        }

        part.Data.Span.CopyTo(value.Bytes.AsSpan(value.Filled));
        value.Filled += part.Data.Length;
    }

    /// <summary>
    /// Puts the values <paramref name="result"/> reports as sent in pieces into its values, so that it reads like a
    /// result that carried them inline; an item whose value did not arrive whole becomes an error.
    /// </summary>
    public void Complete(TaskResult result, long firstIndex)
    {
        if (result.ExternalItems.Count > 0)
        {
            Splice(result, Received(result, firstIndex));
        }

        if (_values.Count > 0)
        {
            Forget(result.Id);
        }
    }

    private Dictionary<int, byte[]> Received(TaskResult result, long firstIndex)
    {
        var received = new Dictionary<int, byte[]>();
        foreach (var item in result.ExternalItems)
        {
            var found = _values.Remove((result.Id, item), out var value);
            if (item >= result.ValueEnds.Count || received.ContainsKey((int)item))
            {
                continue;
            }

            if (found && value!.Bytes is { } bytes && value.Filled == bytes.Length)
            {
                received[(int)item] = bytes;
            }
            else
            {
                Fail(result, item, $"The result of item {firstIndex + item} did not arrive: {(found ? value!.Problem ?? "the worker sent only part of it" : "the worker reported it without sending it")}.");
            }
        }

        return received;
    }

    // Pieces of the partition's values that its result did not claim.
    private void Forget(ulong partition)
    {
        foreach (var key in _values.Keys.Where(key => key.Partition == partition).ToList())
        {
            _values.Remove(key);
        }
    }

    // One array for the partition's values, as the decoder reads them; an item that alone fills it travels as it came.
    private static void Splice(TaskResult result, Dictionary<int, byte[]> received)
    {
        if (received.Count == 0)
        {
            return;
        }

        var inline = result.Values.Span;
        if (result.ValueEnds.Count == 1 && inline.IsEmpty)
        {
            var only = received[0];
            result.Values = UnsafeByteOperations.UnsafeWrap(only);
            result.ValueEnds[0] = (uint)only.Length;
            return;
        }

        var total = inline.Length + received.Values.Sum(bytes => (long)bytes.Length);
        if (total > Array.MaxLength)
        {
            foreach (var item in received.Keys)
            {
                Fail(result, (uint)item, $"The results of this item's partition add up to {total} bytes, more than one array holds; run such items alone (MapOptions.BatchSize = 1).");
            }

            return;
        }

        var values = new byte[total];
        var (start, written) = (0, 0);
        for (var i = 0; i < result.ValueEnds.Count; i++)
        {
            var end = (int)Math.Clamp((long)result.ValueEnds[i], start, inline.Length);
            var value = received.TryGetValue(i, out var bytes) ? bytes : inline[start..end];
            value.CopyTo(values.AsSpan(written));
            written += value.Length;
            result.ValueEnds[i] = (uint)written;
            start = end;
        }

        result.Values = UnsafeByteOperations.UnsafeWrap(values);
    }

    // The item becomes an error; errors stay in increasing item order, as the client reads them.
    private static void Fail(TaskResult result, uint item, string message)
    {
        var errors = (result.Failures ??= new ItemFailures()).Errors;
        var at = 0;
        while (at < errors.Count && errors[at].Item < item)
        {
            at++;
        }

        errors.Insert(at, new ItemError { Item = item, Error = new TaskError { Type = typeof(InvalidDataException).FullName, Message = message } });
    }

    private sealed class Incoming(byte[]? bytes, string? problem)
    {
        public byte[]? Bytes { get; } = bytes;

        public string? Problem { get; } = problem;

        public int Filled { get; set; }
    }
}
