using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Grpc.Core;
using JobQueue.Protocol;
using Microsoft.AspNetCore.Http;

namespace JobQueue.Coordination;

/// <summary>
/// The coordinator's side of one authenticated worker call: what the worker registered as, the tasks it holds, the
/// credit it granted, and an outbox that a single writer loop sends, flushing only after the last queued message.
/// </summary>
internal sealed class WorkerSession(IAsyncStreamReader<FromWorker> input, IServerStreamWriter<ToWorker> output, HttpContext call, Register registration, string peer)
{
    private static readonly WriteOptions MoreToCome = new(WriteFlags.BufferHint);

    // Sums of fractional amounts (0.1 + 0.2) must not refuse what fits.
    private const double ResourceTolerance = 1e-9;

    /// <summary>File chunks per worker made and not yet written: enough to keep the transport busy, few enough to bound memory.</summary>
    public const int FileChunksInFlight = 4;

    private readonly Lock _outboxLock = new();

    // Wakes the writer loop, at most one wake-up pending. Waiting on it without a token allocates nothing, where a
    // semaphore's cancellable wait made three objects for every message the coordinator sent.
    private readonly Channel<bool> _outboxSignal = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private List<ToWorker> _outbox = [];
    private List<ToWorker> _sending = [];

    public Register Registration { get; } = registration;

    public string Name => Registration.Name;

    /// <summary>Where the call comes from, for the log.</summary>
    public string Peer { get; } = peer;

    public DateTimeOffset ConnectedAt { get; } = DateTimeOffset.UtcNow;

    // Guarded by the coordinator's lock.
    public int Credit { get; set; }
    public Dictionary<ulong, Partition> Assigned { get; } = [];
    public HashSet<uint> KnownFunctions { get; } = [];
    public long TasksDone { get; set; }
    public long ResidentMemory { get; set; }

    /// <summary>Above its memory pause fraction: it gets no new tasks until it is back under.</summary>
    public bool Paused { get; set; }

    /// <summary>Why the tasks it held when its call ended were lost, when it said so (it exceeded its memory limit); null otherwise.</summary>
    public string? LossCause { get; set; }
    public bool Closed { get; set; }

    /// <summary>Told to drain: it gets no more tasks, and what it held goes back to the queue when it leaves.</summary>
    public bool Draining { get; set; }

    /// <summary>Told to shut down: the end of its call is expected, not a lost worker.</summary>
    public bool Dismissed { get; set; }

    public long LastHeard { get; set; } = Environment.TickCount64;

    /// <summary>The abstract resources its partitions hold, queued or running: a partition holds its map's once, its items running one after another.</summary>
    public Dictionary<string, double> ResourcesHeld { get; } = new(StringComparer.Ordinal);

    /// <summary>Whether it has <paramref name="needed"/> free now.</summary>
    public bool HasFree(IReadOnlyDictionary<string, double> needed) =>
        needed.All(pair => Registration.Resources.TryGetValue(pair.Key, out var total) && total - ResourcesHeld.GetValueOrDefault(pair.Key) >= pair.Value - ResourceTolerance);

    /// <summary>Whether it could ever run an item that needs <paramref name="needed"/>.</summary>
    public bool Declares(IReadOnlyDictionary<string, double> needed) =>
        needed.All(pair => Registration.Resources.TryGetValue(pair.Key, out var total) && total >= pair.Value - ResourceTolerance);

    /// <summary>Counts <paramref name="amounts"/> held (sign 1) or released (sign -1).</summary>
    public void Hold(IReadOnlyDictionary<string, double> amounts, int sign)
    {
        foreach (var (name, amount) in amounts)
        {
            ResourcesHeld[name] = ResourcesHeld.GetValueOrDefault(name) + sign * amount;
        }
    }

    /// <summary>Room for file chunks in its outbox (see <see cref="FileServer"/>); the writer frees one per chunk written.</summary>
    public SemaphoreSlim FileWindow { get; } = new(FileChunksInFlight);

    /// <summary>Results it sends in pieces, until the partition's result arrives; used by its read loop only.</summary>
    public IncomingValues Incoming { get; } = new();

    /// <summary>Items of the partitions it holds; under the coordinator's lock.</summary>
    public int HeldItems()
    {
        var held = 0;
        foreach (var partition in Assigned.Values)
        {
            held += partition.Tasks.Length;
        }

        return held;
    }

    public WorkerInfo Describe() => new(
        Name, Registration.Host, Registration.JobId, (int)Registration.Threads, (long)Registration.MemoryLimit,
        Registration.ProcessId, TasksDone, ResidentMemory, ConnectedAt, Paused);

    public void Send(ToWorker message)
    {
        lock (_outboxLock)
        {
            _outbox.Add(message);
        }

        _outboxSignal.Writer.TryWrite(true);
    }

    /// <summary>Sends whatever the outbox holds, flushing once per wake-up, until the call ends.</summary>
    public async Task WriteLoopAsync(CancellationToken cancellationToken)
    {
        // The token ends the wait by closing the signal, so that the wait itself needs no token.
        using var stop = cancellationToken.UnsafeRegister(static writer => ((ChannelWriter<bool>)writer!).TryComplete(), _outboxSignal.Writer);
        while (await _outboxSignal.Reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
        {
            _outboxSignal.Reader.TryRead(out _); // every message sent meanwhile goes in this round

            lock (_outboxLock)
            {
                (_outbox, _sending) = (_sending, _outbox);
            }

            for (var i = 0; i < _sending.Count; i++)
            {
                output.WriteOptions = i < _sending.Count - 1 ? MoreToCome : null;
                await output.WriteAsync(_sending[i], cancellationToken).ConfigureAwait(false);
                if (_sending[i].MessageCase == ToWorker.MessageOneofCase.File)
                {
                    FileWindow.Release();
                }
            }

            _sending.Clear();
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>The next message; null when the worker ended its call.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // one read per message: no box allocated each time
    public async ValueTask<FromWorker?> ReadAsync(CancellationToken cancellationToken) =>
        await input.MoveNext(cancellationToken).ConfigureAwait(false) ? input.Current : null;

    /// <summary>Drops the connection; the read loop then ends and the coordinator reschedules the worker's tasks.</summary>
    public void Abort() => call.Abort();
}
