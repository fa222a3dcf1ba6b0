using System.Diagnostics;
using Google.Protobuf;
using JobQueue.Protocol;

namespace JobQueue.Worker;

/// <summary>
/// Everything a worker sends on one connection, one write at a time: messages as posted, and results gathered into
/// one <see cref="ResultBatch"/> per write together with new credit (as many tasks as keep every thread busy for about
/// 2 ms). gRPC's client flushes every write and allows one in flight, so merging what queued meanwhile is what makes
/// one task per message cheap. Whoever has something to send writes it on its own thread when no write is under way
/// (a single task's result then leaves without waking another thread); while one is, the writing goes on with
/// everything that queued meanwhile.
/// </summary>
internal sealed class Outbox(CoordinatorConnection connection, int threads)
{
    private const int ResultsPerBatch = 512;
    private const int ResultBytesPerBatch = 16 << 20;
    private static readonly long BufferedWorkTicks = Stopwatch.Frequency / 500; // keep about 2 ms of work queued

    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _lastFlush = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _writerEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationToken _ended;
    private bool _started;
    private bool _writing;
    private bool _writeAgain;
    private List<TaskResult> _results = [];
    private List<FromWorker> _messages = [];
    private long _resultBytes;
    private long _received;
    private long _finished;
    private long _creditGranted;
    private double _averageTicks;
    private bool _draining;
    private bool _paused;
    private bool _closing;

    public void Post(FromWorker message)
    {
        lock (_gate)
        {
            _messages.Add(message);
        }

        Write();
    }

    /// <summary>
    /// Queues an item's encoded result as <see cref="ValuePart"/>s, before the partition's result that reports it.
    /// They are written one by one, each awaiting the transport's flow control, and wrap the value without copying it.
    /// </summary>
    public void PostValue(ulong partition, uint item, byte[] value)
    {
        lock (_gate)
        {
            for (var offset = 0; offset < value.Length; offset += ChannelLimits.ValueChunkSize)
            {
                var data = UnsafeByteOperations.UnsafeWrap(value.AsMemory(offset, Math.Min(ChannelLimits.ValueChunkSize, value.Length - offset)));
                _messages.Add(new FromWorker { ValuePart = new ValuePart { Partition = partition, Item = item, Size = (ulong)value.Length, Data = data } });
            }
        }

        Write();
    }

    /// <summary>Queues a partition's result; it leaves now when <paramref name="flushNow"/>, else with the next write or once enough gathered.</summary>
    public void AddResult(TaskResult result, bool flushNow)
    {
        bool flush;
        lock (_gate)
        {
            _results.Add(result);
            _resultBytes += result.Values.Length;
            _finished++;
            flush = flushNow || _results.Count >= ResultsPerBatch || _resultBytes >= ResultBytesPerBatch;
        }

        if (flush)
        {
            Write();
        }
    }

    /// <summary>Counts partitions that arrived, against the credit granted.</summary>
    public void Received(int partitions) => Interlocked.Add(ref _received, partitions);

    /// <summary>A partition took <paramref name="elapsedTicks"/> (Stopwatch ticks) end to end: what the credit is sized by.</summary>
    public void Observe(long elapsedTicks)
    {
        lock (_gate)
        {
            _averageTicks = _averageTicks == 0 ? elapsedTicks : (0.9 * _averageTicks) + (0.1 * elapsedTicks);
        }
    }

    /// <summary>Writes now, which grants the first credit once the coordinator welcomed the worker.</summary>
    public void Flush() => Write();

    /// <summary>Asks for no more tasks (draining).</summary>
    public void StopAsking()
    {
        lock (_gate)
        {
            _draining = true;
        }
    }

    /// <summary>Asks for no more tasks while <paramref name="paused"/> (memory); resuming writes now, with new credit.</summary>
    public void Pause(bool paused)
    {
        lock (_gate)
        {
            _paused = paused;
        }

        Write();
    }

    /// <summary>Writes what is left, ends the request stream, and returns once that is done; later posts are not sent.</summary>
    public async Task CloseAsync(CancellationToken ended)
    {
        lock (_gate)
        {
            _closing = true;
        }

        Write();
        await _lastFlush.Task.WaitAsync(ended).ConfigureAwait(false);
    }

    /// <summary>Starts writing what was posted so far; the task ends when the outbox closed, the connection failed or <paramref name="ended"/>.</summary>
    public Task StartWriting(CancellationToken ended)
    {
        _ended = ended;
        ended.Register(() => _writerEnded.TrySetCanceled(ended));
        lock (_gate)
        {
            _started = true;
        }

        Write();
        return _writerEnded.Task;
    }

    // Writes now on this thread unless a write is under way, which then goes on with this too.
    private void Write()
    {
        lock (_gate)
        {
            if (!_started || _writing)
            {
                _writeAgain = true;
                return;
            }

            _writing = true;
        }

        _ = WriteQueuedAsync();
    }

    // Writes rounds of what queued until a round finds nothing new. A failed write ends the writing for good
    // (_writing stays set): the call is broken, and its reads end the session.
    private async Task WriteQueuedAsync()
    {
        try
        {
            var results = new List<TaskResult>();
            var messages = new List<FromWorker>();
            while (true)
            {
                uint credit;
                bool closing;
                lock (_gate)
                {
                    _writeAgain = false;
                    (_results, results) = (results, _results);
                    _resultBytes = 0;
                    (_messages, messages) = (messages, _messages);
                    credit = _draining || _paused ? 0 : CreditLocked();
                    closing = _closing;
                }

                foreach (var message in messages)
                {
                    await connection.Output.WriteAsync(message, _ended).ConfigureAwait(false);
                }

                if (results.Count > 0 || credit > 0)
                {
                    var batch = new ResultBatch { Credit = credit };
                    batch.Results.AddRange(results);
                    await connection.Output.WriteAsync(new FromWorker { Results = batch }, _ended).ConfigureAwait(false);
                }

                results.Clear();
                messages.Clear();
                if (closing)
                {
                    // Half-closes the call: nothing is written after the last results.
                    await connection.Output.CompleteAsync().ConfigureAwait(false);
                    _lastFlush.TrySetResult();
                    _writerEnded.TrySetResult();
                    return;
                }

                lock (_gate)
                {
                    if (!_writeAgain)
                    {
                        _writing = false;
                        return;
                    }
                }
            }
        }
        catch (Exception exception)
        {
            _writerEnded.TrySetException(exception);
        }
    }

    // Ask for enough tasks to keep every thread busy for about 2 ms (at least two each), counting those held and those already asked for.
    private uint CreditLocked()
    {
        var target = _averageTicks == 0
            ? 2 * threads
            : (int)Math.Clamp(threads * (BufferedWorkTicks / _averageTicks), 2 * threads, 4096);
        var held = Interlocked.Read(ref _received) - _finished;
        var askedFor = _creditGranted - Interlocked.Read(ref _received);
        var more = target - held - askedFor;
        if (more <= 0)
        {
            return 0;
        }

        _creditGranted += more;
        return (uint)more;
    }
}
