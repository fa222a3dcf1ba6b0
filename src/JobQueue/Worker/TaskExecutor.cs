using System.Buffers;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Google.Protobuf;
using JobQueue.Maps;
using JobQueue.Protocol;

namespace JobQueue.Worker;

/// <summary>
/// Runs the partitions a worker receives on as many loops as it has threads: each item in its own
/// <see cref="TaskContext"/>, with its value, error or cancellation recorded in the partition's result, which goes to
/// the <see cref="Outbox"/>. Once draining or disconnected, it starts nothing more: the rest goes back unstarted.
/// </summary>
internal sealed class TaskExecutor(string workerName, CodeFetcher code, Outbox outbox, WorkerValues values) : ITaskCancellation
{
    // Results of tasks shorter than this wait for company (or an empty queue): a frame per result would cost more
    // than the task. Longer tasks send their result at once.
    private static readonly long BatchableTicks = Stopwatch.Frequency / 10_000;

    private readonly Channel<TaskSpec> _tasks = Channel.CreateUnbounded<TaskSpec>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly Dictionary<ulong, CancellationTokenSource> _running = [];
    private readonly HashSet<ulong> _cancelled = [];
    private readonly Lock _gate = new();
    private CancellationToken _ended;
    private volatile bool _draining;

    // Set while paused (memory): completed on resuming.
    private volatile TaskCompletionSource? _paused;

    // _cancelled.Count, readable without the lock: items check it before taking the lock.
    private volatile int _cancelledCount;

    /// <summary>The cluster's seed of the tasks' random streams, from the coordinator's welcome.</summary>
    public ulong Seed { get; set; }

    /// <summary>Starts <paramref name="threads"/> loops that run queued partitions until <paramref name="ended"/>.</summary>
    public Task[] Start(int threads, CancellationToken ended)
    {
        _ended = ended;
        return [.. Enumerable.Range(0, threads).Select(_ => ExecuteLoopAsync(ended))];
    }

    /// <summary>Queues a partition; false while paused and once the executor takes no more (draining or disconnected).</summary>
    public bool TryQueue(TaskSpec partition) => _paused is null && _tasks.Writer.TryWrite(partition);

    /// <summary>Starts no partition until <see cref="Resume"/>; returns those queued, unstarted, for the coordinator to run elsewhere.</summary>
    public List<TaskSpec> Pause()
    {
        Interlocked.CompareExchange(ref _paused, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), null);
        var unstarted = new List<TaskSpec>();
        while (_tasks.Reader.TryRead(out var partition))
        {
            unstarted.Add(partition);
        }

        return unstarted;
    }

    public void Resume() => Interlocked.Exchange(ref _paused, null)?.TrySetResult();

    /// <summary>Takes no more partitions; with <paramref name="handBack"/> (draining), running partitions stop at their next item.</summary>
    public void Close(bool handBack)
    {
        _draining |= handBack;
        _tasks.Writer.TryComplete();
        if (handBack)
        {
            Resume(); // what is queued goes back, through the loops
        }
    }

    private async Task ExecuteLoopAsync(CancellationToken ended)
    {
        var reader = _tasks.Reader;
        var current = TaskContext.Enter();
        while (await reader.WaitToReadAsync(ended).ConfigureAwait(false))
        {
            if (_paused is { } paused)
            {
                await paused.Task.WaitAsync(ended).ConfigureAwait(false);
                continue;
            }

            // Once the connection is lost, what is still queued is the coordinator's to run elsewhere.
            while (!ended.IsCancellationRequested && _paused is null && reader.TryRead(out var task))
            {
                var started = Stopwatch.GetTimestamp();
                var result = await ExecuteAsync(task, current).ConfigureAwait(false);
                outbox.AddResult(result, flushNow: reader.Count == 0 || Stopwatch.GetTimestamp() - started > BatchableTicks);
            }
        }
    }

    /// <summary>Runs a partition's items in order, each with its own context, result or error; stops early when draining.</summary>
    private async ValueTask<TaskResult> ExecuteAsync(TaskSpec partition, StrongBox<TaskContext?> current)
    {
        var started = Stopwatch.GetTimestamp();
        var result = new TaskResult { Id = partition.Id };
        var loading = code.Function(partition.Function);

        // Loading (and fetching) the function is not the items' work: wait for it before their clocks start. Each
        // loop resumes on a thread of its own: resumed inline by the loading thread, every loop waiting would run on
        // that one thread, one after the other.
        if (!loading.IsCompleted)
        {
            await ((Task)loading).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ForceYielding);
        }

        // A partition of one sends its value as it came; more are packed one after the other.
        var packed = partition.Arguments.Count > 1 ? new ArrayBufferWriter<byte>() : null;
        var single = ByteString.Empty;
        var computeTicks = 0L;
        for (var item = 0; item < partition.Arguments.Count; item++)
        {
            var id = partition.Id + (ulong)item;
            if (_draining || _ended.IsCancellationRequested)
            {
                break; // the rest goes back unstarted, or is the coordinator's to run elsewhere once the connection is lost
            }

            if (_cancelledCount > 0 && TakeCancelled(id))
            {
                (result.Failures ??= new ItemFailures()).Cancelled.Add((uint)item);
                result.ValueEnds.Add((uint)(packed?.WrittenCount ?? single.Length));
                continue;
            }

            var itemStarted = Stopwatch.GetTimestamp();
            var context = new TaskContext(new TaskKey((long)partition.Map, (long)partition.FirstIndex + item), workerName, Seed, id, this, values);
            current.Value = context;
            try
            {
                var function = await loading.ConfigureAwait(false);
                var argument = LargeArgumentFile(partition, item) is { } file
                    ? await code.FetchValueAsync(file).ConfigureAwait(false)
                    : partition.Arguments[item].Memory;
                var value = await function.RunAsync(argument, function.TakesCancellation ? context.CancellationToken : CancellationToken.None).ConfigureAwait(false);
                ResultSize.Check(value.Length, partition, item);
                if (value.Length > ChannelLimits.ValueChunkSize || (packed?.WrittenCount ?? 0) + value.Length > ChannelLimits.MaxInlineResultBytes)
                {
                    // Too large to travel inside the result: it goes first, in pieces, and the result points to it.
                    outbox.PostValue(partition.Id, (uint)item, value);
                    result.ExternalItems.Add((uint)item);
                }
                else if (packed is null)
                {
                    single = UnsafeByteOperations.UnsafeWrap(value);
                }
                else
                {
                    packed.Write(value);
                }
            }
            catch (OperationCanceledException) when (context.CancellationRequested)
            {
                (result.Failures ??= new ItemFailures()).Cancelled.Add((uint)item);
            }
            catch (Exception exception)
            {
                var thrown = exception is TargetInvocationException { InnerException: { } inner } ? inner : exception;
                (result.Failures ??= new ItemFailures()).Errors.Add(new ItemError
                {
                    Item = (uint)item,
                    Error = new TaskError { Type = thrown.GetType().FullName ?? thrown.GetType().Name, Message = thrown.Message, StackTrace = thrown.StackTrace ?? "" },
                });
            }
            finally
            {
                current.Value = null;
                context.End();
                computeTicks += Stopwatch.GetTimestamp() - itemStarted;
            }

            result.ValueEnds.Add((uint)(packed?.WrittenCount ?? single.Length));
        }

        result.Values = packed is null ? single : UnsafeByteOperations.UnsafeWrap(packed.WrittenMemory);
        result.ComputeNanoseconds = Nanoseconds(computeTicks);
        var elapsed = Stopwatch.GetTimestamp() - started;
        outbox.Observe(elapsed);

        return result;
    }

    private static ulong Nanoseconds(long stopwatchTicks) => (ulong)Math.Max(0, stopwatchTicks * (1_000_000_000.0 / Stopwatch.Frequency));

    CancellationTokenSource ITaskCancellation.Track(ulong taskId)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(_ended);
        lock (_gate)
        {
            _running[taskId] = source;
        }

        if (_cancelledCount > 0 && TakeCancelled(taskId))
        {
            source.Cancel();
        }

        return source;
    }

    /// <summary>Whether the coordinator cancelled the task before it started or before it asked for its token; forgets it.</summary>
    private bool TakeCancelled(ulong taskId)
    {
        lock (_gate)
        {
            var removed = _cancelled.Remove(taskId);
            _cancelledCount = _cancelled.Count;
            return removed;
        }
    }

    void ITaskCancellation.Untrack(ulong taskId)
    {
        lock (_gate)
        {
            _running.Remove(taskId);
        }
    }

    /// <summary>Cancels tasks: a running one sees its token signalled, a queued one is skipped when its turn comes.</summary>
    public void Cancel(IEnumerable<ulong> ids)
    {
        lock (_gate)
        {
            foreach (var id in ids)
            {
                if (_running.TryGetValue(id, out var running))
                {
                    running.Cancel();
                }
                else
                {
                    _cancelled.Add(id);
                    _cancelledCount = _cancelled.Count;
                }
            }
        }
    }

    /// <summary>The shipped file that holds item <paramref name="item"/>'s argument, when it was too large to travel inline.</summary>
    private static ShippedFile? LargeArgumentFile(TaskSpec partition, int item)
    {
        foreach (var external in partition.ExternalArguments)
        {
            if (external.Position == item)
            {
                return external.File;
            }
        }

        return null;
    }
}
