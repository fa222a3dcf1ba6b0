using System.Net.Sockets;
using Google.Protobuf;
using JobQueue.Coordination.Protocol;

namespace JobQueue.Coordination;

/// <summary>
/// The coordinator's side of one authenticated worker connection: what the worker registered as, the tasks it
/// holds, the credit it granted, and an outbox that a single writer loop sends in batches.
/// </summary>
internal sealed class WorkerSession
{
    private readonly Socket _socket;
    private readonly FrameStream _frames;
    private readonly object _outboxLock = new();
    private List<IMessage> _outbox = [];
    private List<IMessage> _sending = [];
    private readonly SemaphoreSlim _outboxSignal = new(0);

    public WorkerSession(Socket socket, FrameStream frames, Register registration)
    {
        _socket = socket;
        _frames = frames;
        Registration = registration;
        ConnectedAt = DateTimeOffset.UtcNow;
        LastHeard = Environment.TickCount64;
    }

    public Register Registration { get; }
    public string Name => Registration.Name;
    public DateTimeOffset ConnectedAt { get; }

    // Guarded by the coordinator's lock.
    public int Credit { get; set; }
    public Dictionary<ulong, Partition> Assigned { get; } = [];
    public HashSet<uint> KnownFunctions { get; } = [];
    public long TasksDone { get; set; }
    public long ResidentMemory { get; set; }
    public bool Closed { get; set; }

    /// <summary>Told to drain: it gets no more tasks, and what it held goes back to the queue when it leaves.</summary>
    public bool Draining { get; set; }

    public long LastHeard { get; set; }

    public WorkerInfo Describe() => new(
        Name, Registration.Host, Registration.JobId, (int)Registration.Threads, (long)Registration.MemoryLimit,
        Registration.ProcessId, TasksDone, ResidentMemory, ConnectedAt);

    public void Send(IMessage message)
    {
        lock (_outboxLock)
        {
            _outbox.Add(message);
        }

        _outboxSignal.Release();
    }

    /// <summary>Sends whatever the outbox holds, in one write per wake-up, until the connection ends.</summary>
    public async Task WriteLoopAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await _outboxSignal.WaitAsync(cancellationToken).ConfigureAwait(false);
            lock (_outboxLock)
            {
                (_outbox, _sending) = (_sending, _outbox);
            }

            if (_sending.Count == 0)
            {
                continue;
            }

            foreach (var message in _sending)
            {
                _frames.Enqueue(message);
            }

            _sending.Clear();
            await _frames.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public ValueTask<FromWorker?> ReadAsync(CancellationToken cancellationToken) =>
        _frames.ReadAsync(FromWorker.Parser, FrameStream.MaxFrameSize, cancellationToken);

    /// <summary>Drops the connection; the read loop then ends and the coordinator reschedules the worker's tasks.</summary>
    public void Abort() => _socket.Close();
}
